// Entry of the HubSpot calling extension page (/hubspot/calling, built from web/hubspot.html).
import { render } from 'preact';
import '../styles.css';
import { Cti } from './cti.ts';
import { Extension } from './extension.tsx';

// The size registered in HubSpot's calling settings (docs/hubspot.md; src/web/hubspot-calling.ts).
const cti = new Cti({ width: 400, height: 600 });
render(<Extension cti={cti} />, document.getElementById('app')!);
