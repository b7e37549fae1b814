// Composition root: config → logger → adapters → services → start/stop. (Being built.)
import { loadConfig, ConfigError } from './config.ts';

export async function runMain(env: Record<string, string | undefined>): Promise<void> {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(err.message + '\n');
      process.exit(1);
    }
    throw err;
  }
}
