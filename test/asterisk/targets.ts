// Which PBXs the scenarios run on: always the simulator; a real Asterisk too when
// TEST_ASTERISK_ARI_URL names one (TEST_ASTERISK_TARGETS=lab runs only that one).
import { labSettings } from './settings.ts';
import type { PbxDriver } from './driver.ts';
import { createSimDriver } from './sim-driver.ts';
import { createLabDriver } from './lab/driver.ts';

export const SCENARIO_DIDS = ['6015550100', '6015550200', '6015550300'];

export function targets(): ('sim' | 'lab')[] {
  const lab = labSettings();
  const only = process.env.TEST_ASTERISK_TARGETS?.split(',').map((t) => t.trim());
  const all: ('sim' | 'lab')[] = lab ? ['sim', 'lab'] : ['sim'];
  return only ? all.filter((t) => only.includes(t)) : all;
}

export async function driverFor(target: 'sim' | 'lab'): Promise<PbxDriver> {
  if (target === 'lab') return createLabDriver(labSettings()!);
  return createSimDriver({ dids: SCENARIO_DIDS, soundsDir: 'sounds' });
}
