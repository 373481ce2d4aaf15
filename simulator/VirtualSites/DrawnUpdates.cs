using FedFace.Client;
using FedFace.Core;
using FedFace.Core.Simulation;
using FedFace.Learning.Training;
using FedFace.Protocol.Storage;
using FedFace.Protos.V1;

namespace FedFace.Simulator.VirtualSites;

/// <summary>A site's delta drawn from a seeded distribution (<see cref="SyntheticUpdates"/>): no faces, no network, no libtorch.</summary>
public sealed class SyntheticWork(VirtualSite site, SyntheticUpdates updates, int examples) : ILocalWork
{
    public string? Shortfall(CancellationToken cancellationToken) => null;

    public Task<LocalUpdate> ComputeAsync(ModelState global, RoundTask task, CancellationToken cancellationToken) =>
        Task.FromResult(new LocalUpdate(updates.For(site.Id, task.Round, global), UntrainedReport.Of(examples)));
}

/// <summary>A site's delta as a recording run saved it (<see cref="RecordedUpdates"/>): the same updates again, without training.</summary>
public sealed class ReplayedWork(VirtualSite site, RecordedUpdates recording, int examples) : ILocalWork
{
    public string? Shortfall(CancellationToken cancellationToken) =>
        recording.Has(null, site.Id) ? null : $"the recording {recording.Folder} holds no update of {site.Id}";

    public Task<LocalUpdate> ComputeAsync(ModelState global, RoundTask task, CancellationToken cancellationToken) =>
        Task.FromResult(new LocalUpdate(recording.Read(task.Round, site.Id), UntrainedReport.Of(examples)));
}

/// <summary>Records the delta another work computes, before protection, for a later replay.</summary>
public sealed class RecordingWork(VirtualSite site, ILocalWork inner, RecordedUpdates recording) : ILocalWork
{
    public string? Shortfall(CancellationToken cancellationToken) => inner.Shortfall(cancellationToken);

    public async Task<LocalUpdate> ComputeAsync(ModelState global, RoundTask task, CancellationToken cancellationToken)
    {
        LocalUpdate update = await inner.ComputeAsync(global, task, cancellationToken);
        recording.Write(task.Round, site.Id, update.Delta);
        return update;
    }
}

/// <summary>A folder of deltas, one .ffm per site and round: round-N/SITE.ffm.</summary>
public sealed class RecordedUpdates(string folder)
{
    public string Folder { get; } = Path.GetFullPath(folder);

    /// <summary>Whether the site has a recorded delta in any round (task null) or in the task's.</summary>
    public bool Has(RoundTask? task, string siteId) => task is null
        ? Directory.Exists(Folder) && Directory.EnumerateFiles(Folder, siteId + ".ffm", SearchOption.AllDirectories).Any()
        : File.Exists(PathOf(task.Round, siteId));

    public void Write(long round, string siteId, ModelState delta)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(PathOf(round, siteId))!);
        ModelFile.Write(PathOf(round, siteId), delta, version: round);
    }

    /// <exception cref="ArgumentException">no delta of that site in that round: the site sits the round out, saying so.</exception>
    public ModelState Read(long round, string siteId)
    {
        string path = PathOf(round, siteId);
        return File.Exists(path) ? ModelFile.Read(path).Model
            : throw new ArgumentException($"the recording {Folder} holds no update of {siteId} in round {round}");
    }

    private string PathOf(long round, string siteId) => Path.Combine(Folder, $"round-{round}", siteId + ".ffm");
}

/// <summary>What a site that did not train reports: its example count, no loss, no steps.</summary>
internal static class UntrainedReport
{
    public static LocalTrainingReport Of(int examples) => new(0, 0, 0, 0, examples, 0, EpochsRun: 0, StoppedEarly: false, BestEpoch: 0, ValidationLosses: []);
}
