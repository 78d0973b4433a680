// dwv imports "magic-wand-tool" by bare name; the classic script defined window.MagicWand.
export default window.MagicWand;
