/**
 * GraphiQL served from node_modules, so the IDE works offline (the stock Nest/Apollo pages load from CDNs).
 * Development only: the module leaves this controller out when GRAPHQL_IDE is off (the production default).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { Controller, Get, Header, NotFoundException, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../tenancy/auth.guard.js';

const require = createRequire(import.meta.url);
const ASSETS: Record<string, string> = {
  'react.js': path.join(path.dirname(require.resolve('react/package.json')), 'umd/react.production.min.js'),
  'react-dom.js': path.join(
    path.dirname(require.resolve('react-dom/package.json')),
    'umd/react-dom.production.min.js',
  ),
  'graphiql.js': path.join(path.dirname(require.resolve('graphiql/package.json')), 'graphiql.min.js'),
  'graphiql.css': path.join(path.dirname(require.resolve('graphiql/package.json')), 'graphiql.min.css'),
};

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Patchproof GraphQL</title>
<link rel="stylesheet" href="/graphiql/assets/graphiql.css"><style>body{margin:0;height:100vh}#g{height:100vh}</style></head>
<body><div id="g"></div>
<script src="/graphiql/assets/react.js"></script><script src="/graphiql/assets/react-dom.js"></script>
<script src="/graphiql/assets/graphiql.js"></script>
<script>
const fetcher = GraphiQL.createFetcher({ url: '/graphql' });
ReactDOM.createRoot(document.getElementById('g')).render(React.createElement(GraphiQL, {
  fetcher, defaultEditorToolsVisibility: true,
  defaultHeaders: JSON.stringify({ Authorization: 'Bearer <paste your API key>' }, null, 2),
  defaultQuery: '# Set your API key in the Headers tab below, then run:\\nquery { tenant { id name } clients { id name frameworks } }\\n',
}));
</script></body></html>`;

@Controller('graphiql')
export class GraphqlIdeController {
  @Public()
  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(): string {
    return PAGE;
  }

  @Public()
  @Get('assets/:name')
  asset(@Param('name') name: string, @Res() res: Response): void {
    const file = ASSETS[name];
    if (!file) throw new NotFoundException();
    res.sendFile(file, { maxAge: '1d' });
  }
}
