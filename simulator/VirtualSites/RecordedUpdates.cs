using FedFace.Core;
using FedFace.Protocol.Storage;
using FedFace.Protos.V1;

namespace FedFace.Simulator.VirtualSites;

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
