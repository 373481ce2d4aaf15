using FedFace.Client;
using FedFace.DevelopmentData;
using FedFace.Evaluation;
using FedFace.Inference;
using FedFace.Learning.Training;
using FedFace.Vision;
using Microsoft.Extensions.Logging;

namespace FedFace.Simulator;

/// <summary>
/// What a federation trains and is scored on, aligned once: each site's faces (with masked renderings when mask
/// augmentation is on) and the held-out pairs, all in the model's input normalisation. Several federations over the
/// same people (an experiment's curves) share one.
/// </summary>
public sealed class SimulationData
{
    private SimulationData(SiteData[] sites, IReadOnlyList<SiteRow> siteRows, HeldOutVerification heldOut, string normalization)
    {
        Sites = sites;
        SiteRows = siteRows;
        HeldOut = heldOut;
        Normalization = normalization;
    }

    public IReadOnlyList<SiteData> Sites { get; }
    public IReadOnlyList<SiteRow> SiteRows { get; }
    public HeldOutVerification HeldOut { get; }
    public string Normalization { get; }

    public IReadOnlyList<FaceTrainingSet> TrainingSets => Sites.Select(s => s.Faces).ToArray();

    public static SimulationData Prepare(SimulatorOptions options, TextWriter output, ILogger logger, CancellationToken cancellationToken)
    {
        IReadOnlyList<LfwPair> pairs = LfwPairsFile.Read(SharedData.LfwPairsFile);
        IReadOnlyList<IReadOnlyList<LabelledImage>> siteImages = LfwPartition.DealSites(pairs, options);
        FoldSplit split = FoldSplit.For(options);
        IReadOnlyList<LfwPair> scoringPairs = LfwPartition.ScoringPairs(pairs, split, options.EvalPairsPerFold);
        ModelInputNormalization normalization = options.InputNormalization;
        var settings = new FacePipelineSettings { Policy = options.FaceSelection };
        using var pipeline = new FaceAlignmentPipeline(() => new YuNetFaceDetector(SharedData.YuNetModel), settings, degreeOfParallelism: Environment.ProcessorCount);
        output.WriteLine($"Aligning the training faces of {options.Sites} sites ({siteImages.Sum(s => s.Count)} photos, {options.FacePolicy} face)…");
        var maskedFaces = new int[options.Sites];
        var greyFaces = new int[options.Sites];
        DomainShiftSettings shift = options.DomainShift;
        SiteData[] sites = siteImages.Select((images, i) =>
        {
            bool maskedCamera = shift.IsMasked(i);
            SiteData site = SiteData.Align(images, pipeline, logger, options.Training.MaskedFaceProbability > 0 || maskedCamera ? options.Seed * 100 + i : null, cancellationToken);
            if (maskedCamera)
            {
                maskedFaces[i] = MaskedCameras.SeeMasked(site, shift.MaskedShare, options.Seed * 100 + i);
            }
            if (shift.IsGreyscale(i, options.Sites))
            {
                greyFaces[i] = GreyscaleCameras.SeeGrey(site, shift.GreyscaleShare, options.Seed * 100 + options.Sites + i);
            }
            // The site feeds its model what the model was trained on: re-map once, both renderings alike.
            normalization.RemapFromSymmetric(site.Faces.Pixels, FaceTensor.Height * FaceTensor.Width);
            if (site.Faces.MaskedPixels is float[] masked)
            {
                normalization.RemapFromSymmetric(masked, FaceTensor.Height * FaceTensor.Width);
            }
            return site;
        }).ToArray();
        output.WriteLine($"Aligning the held-out faces of {scoringPairs.Count} pairs (lfw-pairs.txt {split.ScoringFolds}){(options.MaskedEval ? ", masked renderings of each pair's second face too" : "")}…");
        HeldOutVerification heldOut = HeldOutVerification.Prepare(scoringPairs, pipeline, normalization, options.MaskedEval, options.Seed, output);
        SiteRow[] rows = sites.Select((site, i) => new SiteRow($"site-{i + 1:D2}", site.People, site.Examples, site.SkippedNoFace, site.Unreadable, maskedFaces[i], greyFaces[i])).ToArray();
        foreach (SiteRow row in rows)
        {
            output.WriteLine($"  {row.SiteId}: {row.People} people, {row.Faces} faces{(row.MaskedFaces > 0 ? $", {row.MaskedFaces} of them masked (its cameras see masked faces)" : "")}{(row.GreyFaces > 0 ? $", {row.GreyFaces} greyscale (its cameras see no colour)" : "")}");
        }
        return new SimulationData(sites, rows, heldOut, normalization.Name);
    }
}
