export interface ProfileSummary {
  file: string;
  totalMs: number;
  top: { function: string; location: string; selfMs: number; selfPct: number }[];
  areas: { area: string; selfMs: number; selfPct: number }[];
  categories: { category: string; selfMs: number; selfPct: number }[];
}
export function summarizeProfile(file: string, topN?: number): ProfileSummary;
