using System.Globalization;
using FedFace.Recognition;
using FedFace.Vision;
using static FedFace.Cli.SummaryTable;

namespace FedFace.Cli;

/// <summary>The totals of one <c>fedface align</c> run, as a table for people and a record for the JSON report.</summary>
public sealed record AlignSummary(
    string Folder,
    string Detector,
    string CropSize,
    int People,
    int Images,
    int FacesKept,
    int NoFace,
    IReadOnlyDictionary<string, int> RejectedByReason,
    IReadOnlyDictionary<string, int> UnreadableByReason,
    int LoosePhotos,
    int IgnoredFiles,
    int CacheHits,
    int CorruptCacheEntries,
    int FailedCacheWrites,
    double Seconds,
    double ImagesPerSecond)
{
    public static AlignSummary From(SiteDataset dataset, AlignedFaceBatch batch, FaceAlignmentPipeline pipeline, DetectorKind detector, double seconds) => new(
        dataset.Root,
        detector.ToString().ToLowerInvariant(),
        pipeline.Settings.Template.Name,
        dataset.People.Count,
        batch.Results.Count,
        batch.AlignedCount,
        batch.NoFaceCount,
        Enum.GetValues<RejectionReason>().ToDictionary(r => ReasonWords.Of(r), r => batch.RejectedBy.GetValueOrDefault(r)),
        batch.UnreadableBy.OrderBy(p => p.Key).ToDictionary(p => ReasonWords.Of(p.Key), p => p.Value),
        dataset.LoosePhotos.Count,
        dataset.IgnoredFiles.Count - dataset.LoosePhotos.Count,
        batch.CacheHits,
        pipeline.Cache?.CorruptEntries ?? 0,
        pipeline.Cache?.FailedWrites ?? 0,
        Math.Round(seconds, 3),
        Math.Round(seconds > 0 ? batch.Results.Count / seconds : 0, 1));

    public string ToTable()
    {
        var rows = new List<(string Label, string Value)>
        {
            ("people", Count(People)),
            ("images", Count(Images)),
            ("  loose (in no person's folder)", Count(LoosePhotos)),
            ("faces kept", Count(FacesKept)),
            ("no face found", Count(NoFace)),
        };
        rows.AddRange(RejectedByReason.Select(p => ($"rejected: {p.Key}", Count(p.Value))));
        rows.Add(("unreadable", Count(UnreadableByReason.Values.Sum())));
        rows.AddRange(UnreadableByReason.Select(p => ($"  {p.Key}", Count(p.Value))));
        rows.Add(("ignored files (other types)", Count(IgnoredFiles)));
        rows.Add(("cache hits", Count(CacheHits)));
        if (CorruptCacheEntries > 0 || FailedCacheWrites > 0)
        {
            rows.Add(("damaged cache entries redone", Count(CorruptCacheEntries)));
            rows.Add(("cache writes failed", Count(FailedCacheWrites)));
        }
        rows.Add(("seconds", Seconds.ToString("F1", CultureInfo.InvariantCulture)));
        rows.Add(("throughput (images/s)", ImagesPerSecond.ToString("F1", CultureInfo.InvariantCulture)));
        return SummaryTable.Format($"{Folder} — detector {Detector}, crops {CropSize}", rows);
    }
}
