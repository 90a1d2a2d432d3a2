// Prisma 7 reads its settings from here; only `prisma generate` uses it (the
// client gets its connection from @prisma/adapter-pg at run time).
import { defineConfig } from "prisma/config";

export default defineConfig({ schema: "prisma/schema.prisma" });
