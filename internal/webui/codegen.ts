import type { CodegenConfig } from '@graphql-codegen/cli'

// Types for every operation in src/ops.ts, checked against the server's schema:
// a schema change that breaks an operation fails `npm run build`.
const config: CodegenConfig = {
  schema: '../../graph/schema/*.graphqls',
  documents: ['src/ops.ts'],
  ignoreNoDocuments: false,
  generates: {
    './src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        documentMode: 'string',
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { Time: 'string', Upload: 'File' },
      },
    },
  },
  silent: true,
}
export default config
