// Custom Elements Manifest for <dualpay-checkout>, generated from its JSDoc (`npm run build`).
export default {
  globs: ['src/element/dualpay-checkout.ts', 'src/element/events.ts'],
  outdir: 'dist',
  litelement: true,
  plugins: [
    {
      // The analyzer also lists `dispatchEvent(new SomeEventClass())` calls it cannot name;
      // the named events come from the class's @fires tags.
      name: 'dualpay-drop-unnamed-events',
      packageLinkPhase({ customElementsManifest }) {
        for (const module of customElementsManifest.modules) {
          for (const declaration of module.declarations ?? []) {
            if (declaration.events)
              declaration.events = declaration.events.filter((event) => event.name);
          }
        }
      },
    },
  ],
};
