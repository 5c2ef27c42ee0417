#!/usr/bin/env bash
# Benchmarks of Pulse. Each prints figures beside a baseline measured in the same run.
#   bench/run.sh            # API key auth micro-benchmarks, then the HTTP load driver
#   bench/run.sh http 10    # only the HTTP load (10 s per target and connection count)
#   bench/run.sh ingest 60 32  # durable ingest: 60 s of 100-event batches over 32 connections, then single events;
#                              # realistic load (1M people, uap-core's user agents, a shop's event mix: ShopTraffic.cs),
#                              # add --templated for the old 64 repeated bodies; then open-loop steps at 1/4, 1/2 and 3/4
#                              # of the burst rate (BENCH_SUSTAINED_RATES=10000,15000 for others): does each consumer keep level?
#                              # BENCH_POPULATION=2000000 draws from 2M people, so about 1M are stored before the steps
#                              # --postgres: cluster mode, one node on a private PostgreSQL + Redis (BENCH_PG_STATEMENTS=1 prints where its time went)
#   bench/run.sh stages 100    # CPU per event of parse, build and pack; "duck 300" the DuckDB load per event
#   bench/run.sh cluster 30 32 # cluster mode: 1, 2 and 3 nodes on one PostgreSQL, embedded mode, and a plain COPY of the same rows
#   bench/run.sh agents 10     # user-agent cache: hits, misses, misses/s and µs per parse on 1,000,000 lookups of a Zipf mix, beside the old cache
#   bench/run.sh attribution 1000 # all seven attribution models over 1M conversions and ~10M touchpoints, beside a last-click SQL query
#   bench/run.sh redirect 20 64  # tracked links: /l/{slug} with the click recorded, beside nginx's return 302, both under wrk
#                              # (installs wrk and nginx with apt-get if missing), then checks every redirect's click is on the log
#   bench/run.sh destinations 20 32  # forwarding from the log to a stub webhook: rate, drain, delay at half the ingest rate
#                              # with consent in log order, and the rate where delay p99 reaches 1 s (--templated as above)
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build Pulse.slnx -c Release -nologo -v quiet
cd bench/Pulse.Bench
dotnet bin/Release/net10.0/Pulse.Bench.dll "$@"
