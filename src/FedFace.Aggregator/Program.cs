using FedFace.Aggregator;

// Settings: appsettings.json, the --config file, environment (Aggregator__MinSites=3), flags (--min-sites 3): AggregatorCommandLine.
return await AggregatorProgram.RunAsync(args, Console.Out, Console.Error);
