/**
 * The font files of the invoice PDF, by name only (no fontkit here): lib/bundling.ts reads
 * this to copy them beside the Lambda bundles that render PDFs.
 */

/** The folder beside a Lambda bundle that holds the font files (also the marker lib/bundling.ts looks for). */
export const PDF_FONTS_DIR = 'trueup-pdf-fonts';

export type FontFace = 'sans' | 'sansBold' | 'jp' | 'jpBold';

/** Each face's file name in PDF_FONTS_DIR and its path in node_modules. */
export const FONT_FILES: Readonly<Record<FontFace, { readonly file: string; readonly module: string }>> = {
  sans: { file: 'NotoSans-Regular.ttf', module: '@expo-google-fonts/noto-sans/400Regular/NotoSans_400Regular.ttf' },
  sansBold: { file: 'NotoSans-Bold.ttf', module: '@expo-google-fonts/noto-sans/700Bold/NotoSans_700Bold.ttf' },
  jp: {
    file: 'NotoSansJP-Regular.ttf',
    module: '@expo-google-fonts/noto-sans-jp/400Regular/NotoSansJP_400Regular.ttf',
  },
  jpBold: { file: 'NotoSansJP-Bold.ttf', module: '@expo-google-fonts/noto-sans-jp/700Bold/NotoSansJP_700Bold.ttf' },
};

/** The fonts' licence (SIL Open Font License 1.1), which travels with the font files. */
export const FONT_LICENSES: readonly { readonly file: string; readonly module: string }[] = [
  { file: 'NotoSans-OFL.txt', module: '@expo-google-fonts/noto-sans/LICENSE_FONT' },
  { file: 'NotoSansJP-OFL.txt', module: '@expo-google-fonts/noto-sans-jp/LICENSE_FONT' },
];
