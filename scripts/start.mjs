// `npm start`: Electron when its binary is present, otherwise browser mode.
// (Filled in by the desktop app work; until then it explains what is available.)
console.log('Glasswing: the desktop app is not built yet. Try `npx glasswing help`.');
