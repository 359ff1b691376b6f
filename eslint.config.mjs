// ESLint for the app (pwa/) and the pilotage pages' scripts (server/static/): `make lint`.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/", ".venv/", "pwa/data/", "instance/", "test-results/", "build/"] },
  js.configs.recommended,
  {
    files: ["pwa/js/**/*.js", "server/static/**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.browser },
  },
  {
    files: ["pwa/sw.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "script", globals: globals.serviceworker },
  },
  {
    files: ["pwa/tools/**/*.mjs", "eslint.config.mjs"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.node },
  },
];
