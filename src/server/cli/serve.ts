/** `tokenscope serve`: runs the backend. */
import type { Command } from 'commander';
import { loadConfig } from '../config';
import { closeOnSignals, startServer } from '../main';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the backend (configuration from TOKENSCOPE_* variables; options win)')
    .option('--port <port>', 'port to listen on (TOKENSCOPE_PORT, default 8080)')
    .option('--host <host>', 'address to listen on (TOKENSCOPE_HOST)')
    .option('--db <file>', 'DuckDB file (TOKENSCOPE_DB, default ./data/tokenscope.duckdb)')
    .option('--otlp-port <port>', 'also take OTLP/HTTP on this port, conventionally 4318 (TOKENSCOPE_OTLP_PORT)')
    .option('--otlp-grpc-port <port>', 'take OTLP/gRPC on this port, conventionally 4317 (TOKENSCOPE_OTLP_GRPC_PORT)')
    .action(async (options: { port?: string; host?: string; db?: string; otlpPort?: string; otlpGrpcPort?: string }) => {
      const config = loadConfig(process.env, {
        TOKENSCOPE_PORT: options.port,
        TOKENSCOPE_HOST: options.host,
        TOKENSCOPE_DB: options.db,
        TOKENSCOPE_OTLP_PORT: options.otlpPort,
        TOKENSCOPE_OTLP_GRPC_PORT: options.otlpGrpcPort,
      });
      closeOnSignals(await startServer(config));
    });
}
