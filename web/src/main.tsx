// Entry point of the web app (built by Vite into web/dist, served by the app).
import { render } from 'preact';
import './styles.css';
import { App } from './app.tsx';

render(<App />, document.getElementById('app')!);
