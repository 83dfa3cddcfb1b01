export function chromiumExecutable(): string | undefined;
export const CHROMIUM_ARGS: string[];
export function chromiumLaunchOptions(): {
  headless: boolean;
  args: string[];
  executablePath?: string;
};
