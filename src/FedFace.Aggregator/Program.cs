using FedFace.Aggregator;

// Settings: appsettings.json, then environment (Aggregator__MinSites=3), then command line (--Aggregator:MinSites 3).
WebApplication app = AggregatorHost.Build(args);
await app.RunAsync();
