import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { render } from 'preact';
import { App } from './app.js';
import { TokenStore } from './auth/token-store.js';

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App tokens={new TokenStore(sessionStorage)} />, root);
}
