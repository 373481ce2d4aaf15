using FedFace.Client;
using FedFace.Core.Simulation;
using FedFace.Learning.Training;
using Microsoft.Extensions.Logging;

namespace FedFace.Simulator.VirtualSites;

/// <summary>What each virtual site computes, as --engine-site-work says: training on its faces, or drawn or replayed deltas.</summary>
public static class SiteWork
{
    /// <param name="faces">Every site's faces, in site order; needed for train only.</param>
    public static Func<VirtualSite, NetworkPool, ILogger, ILocalWork> For(SimulatorOptions options, IReadOnlyList<FaceTrainingSet>? faces)
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
                var resident = new ResidentFaces(faces ?? throw new ArgumentException("training sites need their faces", nameof(faces)));
                return (site, networks, logger) => new BorrowedNetworkTraining(site, resident, networks, logger);
        }
    }
}
