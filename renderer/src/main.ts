import { mount } from 'svelte';
import App from './App.svelte';
import './styles/global.css';

// Apply the remembered (or the OS) theme before the first paint; ThemeState takes over after.
const saved = (() => {
  try {
    return window.localStorage.getItem('glasswing.theme');
  } catch {
    return null;
  }
})();
const dark = saved === 'dark' || (saved !== 'light' && window.matchMedia('(prefers-color-scheme: dark)').matches);
document.documentElement.dataset.theme = dark ? 'dark' : 'light';

mount(App, { target: document.getElementById('app')! });
