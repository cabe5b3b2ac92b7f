"""trigc.compiler: frontends, the typed fixed-point IR and its executor, passes and backends."""
