package command

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/j1hcl/j1hcl/internal/emulator"
	"github.com/j1hcl/j1hcl/internal/syncapi"
)

// EnvEmulatorAPIKey is the emulator's own API key variable, read when --api-key is not given.
const EnvEmulatorAPIKey = "J1HCL_EMULATOR_API_KEY"

func serveCommand(m *meta) *cli.Command {
	return &cli.Command{
		Name:      "serve",
		Usage:     "run the local Sync API emulator",
		ArgsUsage: " ",
		Description: "Serves the Sync API job routes, J1QL reads (POST /graphql) and GET /_emulator/graph on a\n" +
			"loopback address, for demos and tests. Point j1hcl at it with\n" +
			"JUPITERONE_API_BASE=http://ADDRESS and the same API key.\n\n" +
			"The API key comes from --api-key, else " + EnvEmulatorAPIKey + ", else " + syncapi.EnvAPIKey + "\n" +
			"(so one variable serves both the emulator and the client in a demo shell). Without any,\n" +
			"every request is accepted. The key is never printed. When the address is ready, one line\n" +
			"`j1hcl serve: listening on http://HOST:PORT` is printed (the real port with --listen HOST:0).\n\n" +
			"Limits, so that no client can hold the emulator's memory or connections:\n" +
			"  - request headers (up to 1 MB) must arrive within 10 s (or --read-timeout when\n" +
			"    shorter), headers and body within --read-timeout (a late body gets 408\n" +
			"    REQUEST_TIMEOUT and the connection is closed); handling and writing an answer\n" +
			"    within --write-timeout; a keep-alive connection idle for --idle-timeout is closed;\n" +
			"  - a body may hold --max-body bytes after decompression (413 PAYLOAD_TOO_LARGE);\n" +
			"  - at most --max-jobs jobs await uploads at once; one more gets 429\n" +
			"    TOO_MANY_JOBS_IN_FLIGHT, unless a job has had no request for --job-idle-timeout:\n" +
			"    that job is aborted to make room;\n" +
			"  - a job's uploads are dropped when it is finalized or aborted; its record and\n" +
			"    counters stay, for the last 10,000 ended jobs (older ones answer 404 JOB_NOT_FOUND);\n" +
			"  - a job keeps its last 10,000 events;\n" +
			"  - a J1QL traversal that matches more than 2,000,000 paths is refused; a deferred\n" +
			"    result (deferredResponse: FORCE) can be fetched for 10 minutes;\n" +
			"  - a --data file over 8 GiB, or holding values nested more than 64 levels deep, is\n" +
			"    refused with the file's name and what to do.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "listen", Value: emulator.DefaultListen, Usage: "`ADDRESS` to listen on (HOST:0 picks a free port)"},
			&cli.BoolFlag{Name: "allow-remote", Usage: "allow a listen address that is not loopback"},
			&cli.StringFlag{Name: "data", Usage: "keep the graph in `FILE` (written atomically after every finalize); in memory without it"},
			&cli.StringFlag{Name: "api-key", Usage: "bearer `KEY` every request must carry (see the description for the environment)"},
			&cli.StringFlag{Name: "account", Usage: "require the JupiterOne-Account header to be `ID`"},
			&cli.StringSliceFlag{Name: "instance", Usage: "known integration instance `ID` (repeatable; without it any id is accepted)"},
			&cli.DurationFlag{Name: "finalize-delay", Usage: "finalize in the background over `DURATION`, so clients must poll"},
			&cli.Int64Flag{Name: "max-body", Value: emulator.DefaultMaxBody, Usage: "largest request body in `BYTES` after decompression"},
			&cli.DurationFlag{Name: "read-timeout", Value: emulator.DefaultReadTimeout, Usage: "`DURATION` a request's headers and body may take to arrive"},
			&cli.DurationFlag{Name: "write-timeout", Value: emulator.DefaultWriteTimeout, Usage: "`DURATION` to handle a request and write its answer"},
			&cli.DurationFlag{Name: "idle-timeout", Value: emulator.DefaultIdleTimeout, Usage: "close a keep-alive connection idle for `DURATION`"},
			&cli.IntFlag{Name: "max-jobs", Value: emulator.DefaultMaxJobsInFlight, Usage: "most jobs awaiting uploads at once (`N`)"},
			&cli.DurationFlag{Name: "job-idle-timeout", Value: emulator.DefaultJobIdleTimeout, Usage: "abort a job awaiting uploads with no request for `DURATION` when a new job needs its place"},
			&cli.Float64Flag{Name: "fail-rate", Usage: "`SHARE` (0 to 1) of upload, finalize and status requests answered 503"},
			&cli.Float64Flag{Name: "rate-limit", Usage: "`N` requests per second before 429 with Retry-After (0: no limit)"},
			&cli.DurationFlag{Name: "latency", Usage: "`DURATION` added to every request"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return fmt.Errorf("serve takes no arguments")
			}
			key := c.String("api-key")
			for _, name := range []string{EnvEmulatorAPIKey, syncapi.EnvAPIKey} {
				if key == "" {
					key = m.env.Getenv(name)
				}
			}
			cfg := emulator.Config{
				Listen:          c.String("listen"),
				AllowRemote:     c.Bool("allow-remote"),
				DataFile:        c.String("data"),
				APIKey:          key,
				Account:         c.String("account"),
				Instances:       c.StringSlice("instance"),
				FinalizeDelay:   c.Duration("finalize-delay"),
				MaxBody:         c.Int64("max-body"),
				ReadTimeout:     c.Duration("read-timeout"),
				WriteTimeout:    c.Duration("write-timeout"),
				IdleTimeout:     c.Duration("idle-timeout"),
				MaxJobsInFlight: c.Int("max-jobs"),
				JobIdleTimeout:  c.Duration("job-idle-timeout"),
				FailRate:        c.Float64("fail-rate"),
				RateLimit:       c.Float64("rate-limit"),
				Latency:         c.Duration("latency"),
				Logger:          m.logger,
			}
			if cfg.MaxBody <= 0 {
				return fmt.Errorf("--max-body must be a positive number of bytes, not %d", cfg.MaxBody)
			}
			for _, name := range []string{"read-timeout", "write-timeout", "idle-timeout", "job-idle-timeout"} {
				if d := c.Duration(name); d <= 0 {
					return fmt.Errorf("--%s must be a positive duration such as 30s, not %v", name, d)
				}
			}
			if cfg.MaxJobsInFlight <= 0 {
				return fmt.Errorf("--max-jobs must be a positive number, not %d", cfg.MaxJobsInFlight)
			}
			if key == "" {
				m.view.Warning("no API key (--api-key, " + EnvEmulatorAPIKey + " or " + syncapi.EnvAPIKey + "): the emulator accepts every request")
			}
			ctx, stop := m.interruptible(c.Context)
			defer stop()
			err := emulator.ListenAndServe(ctx, cfg, func(addr string) {
				fmt.Fprintf(m.env.Stdout, "j1hcl serve: listening on http://%s\n", addr)
			})
			if err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			fmt.Fprintln(m.env.Stdout, "j1hcl serve: stopped")
			return nil
		},
	}
}
