import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/**
 * Builds the console into `packages/console/dist`: `index.html` plus content-hashed files under
 * `assets/`. Nothing is inlined, so the page runs under a Content-Security-Policy without
 * `unsafe-inline` scripts.
 */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL("../dist", import.meta.url)),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    sourcemap: true,
    chunkSizeWarningLimit: 2048,
  },
  logLevel: "warn",
});
