using FedFace.Aggregator;

// Settings: appsettings.json, then environment (Aggregator__MinSites=3), then command line (--Aggregator:MinSites 3).
return await AggregatorProgram.RunAsync(args, Console.Out, Console.Error);
