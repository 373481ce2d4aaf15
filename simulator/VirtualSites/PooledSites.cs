using FedFace.DevelopmentData;
using FedFace.Evaluation;
using FedFace.Inference;
using FedFace.Vision;

namespace FedFace.Simulator.VirtualSites;

/// <summary>
/// The data of a federation of many training sites (--engine-people-per-site): every eligible LFW training-fold face
/// aligned once into a <see cref="FacePool"/> (the aligned crops cached on disk, so a second run does not align again),
/// sites dealt people from it, and the held-out pairs of the scoring folds, whose people no site holds.
/// </summary>
public sealed record PooledSites(PooledSiteFaces Faces, IReadOnlyList<SiteRow> Rows, HeldOutVerification HeldOut)
{
    public static PooledSites Prepare(SimulatorOptions options, TextWriter output, CancellationToken cancellationToken)
    {
        IReadOnlyList<LfwPair> pairs = LfwPairsFile.Read(SharedData.LfwPairsFile);
        // The person-disjoint deal into one site (whatever the partition's sizes) is every eligible person's photos: the pool's people.
        SimulatorOptions everyone = options.Clone();
        everyone.Sites = 1;
        everyone.MaxPeople = 0;
        IReadOnlyList<LabelledImage> images = LfwPartition.DealSites(pairs, everyone)[0];
        string cache = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(options.OutputDirectory))!, "aligned-cache");
        var detector = new DetectorOptions { Kind = DetectorKind.YuNet, YuNetModelPath = SharedData.YuNetModel };
        using FaceAlignmentPipeline pipeline = FaceAlignmentPipeline.Create(detector, new FacePipelineSettings { Policy = options.FaceSelection }, cache, Environment.ProcessorCount);
        output.WriteLine($"Aligning the face pool ({images.Count} photos of LFW {FoldSplit.For(options).TrainingFolds} people; cache {cache})…");
        ModelInputNormalization normalization = options.InputNormalization;
        FacePool pool = FacePool.Align(images, pipeline, normalization, cancellationToken);
        var faces = new PooledSiteFaces(pool, options.Sites, options.Engine.PeoplePerSite, options.Seed);
        output.WriteLine($"Face pool: {pool.FaceCount} faces of {pool.PeopleCount} people ({pool.Bytes / 1e6:F0} MB, {pool.Skipped} photos without a usable face); "
            + $"{options.Sites} sites of {options.Engine.PeoplePerSite} people each; people reused across sites: "
            + (faces.ReuseFactor > 1 ? $"yes, ×{faces.ReuseFactor}" : "no"));
        IReadOnlyList<LfwPair> scoring = LfwPartition.ScoringPairs(pairs, FoldSplit.For(options), options.EvalPairsPerFold);
        HeldOutVerification heldOut = HeldOutVerification.Prepare(scoring, pipeline, normalization, options.MaskedEval, options.Seed, output);
        SiteRow[] rows = [.. VirtualFederation.SiteIds(options.Sites).Select((id, i) => new SiteRow(id, options.Engine.PeoplePerSite, faces.FaceCountOf(i), 0, 0))];
        return new PooledSites(faces, rows, heldOut);
    }
}
