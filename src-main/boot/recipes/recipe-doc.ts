/**
 * What docs/images.md says about one recipe or initramfs family. Each lives beside the code that
 * implements it (the family's file, the recipe's file), and images-doc.ts renders the table from
 * all of them plus the proven-plan table, so the documentation cannot drift from the code.
 */
export interface RecipeDoc {
  /** BootPlan.recipe of the plans it yields ('generic-linux/live-boot', 'archiso' …); 'none' for images it explains but cannot boot. */
  recipe: string;
  name: string;
  /** Distributions or images known to use it. */
  examples: string;
  recognisedBy: string;
  served: string;
  firmware: string;
  ram: string;
  limits: string[];
}
