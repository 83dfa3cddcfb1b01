export function cpuWindow(pids: number[]): { end(): { foreignCores: number; cores: number } };
