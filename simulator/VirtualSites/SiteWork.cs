using FedFace.Client;
using FedFace.Core.Simulation;
using Microsoft.Extensions.Logging;

namespace FedFace.Simulator.VirtualSites;

/// <summary>What each virtual site computes, as --engine-site-work says: training on its faces, or drawn or replayed deltas.</summary>
public static class SiteWork
{
    /// <param name="faces">Every site's faces; needed for train only.</param>
    public static Func<VirtualSite, NetworkPool, ILogger, ILocalWork> For(SimulatorOptions options, ISiteFaces? faces)
    {
        EngineSettings engine = options.Engine;
        switch (engine.Kind)
        {
            case SiteWorkKind.Synthetic:
                var synthetic = new SyntheticUpdates(options.Seed, engine.SyntheticStandardDeviation);
                return (site, _, _) => new SyntheticWork(site, synthetic, engine.SyntheticExamples);
            case SiteWorkKind.Replay:
                var recording = new RecordedUpdates(engine.ReplayUpdates);
                return (site, _, _) => new ReplayedWork(site, recording, engine.SyntheticExamples);
            default:
                ISiteFaces training = faces ?? throw new ArgumentException("training sites need their faces", nameof(faces));
                return (site, networks, logger) => new BorrowedNetworkTraining(site, training, networks, engine.TorchThreadCount, logger);
        }
    }
}
