using System.Globalization;
using System.Text.Json;
using FedFace.Core;
using FedFace.Evaluation.Identification;
using FedFace.Recognition;
using FedFace.Vision;

namespace FedFace.Cli;

public enum ProbeStatus { Identified, Unknown, Skipped }

/// <summary>One probe photo's answer: the best candidates and the open-set decision, or why it was not searched.</summary>
public sealed record ProbeAnswer(string Image, ProbeStatus Status, string? Person, float? Score, string? Reason, IReadOnlyList<GalleryMatch> Candidates);

/// <summary>
/// <c>fedface identify IMAGE… --model M --gallery G</c>: for each photo, the top-k enrolled people by cosine score and
/// whether the best is accepted at the threshold (open-set: someone not enrolled is "unknown", not the nearest person).
/// </summary>
public sealed class IdentifyCommand : ICliCommand
{
    public string Name => "identify";
    public string Summary => "who is in these photos: the best matches in a gallery, accepted or \"unknown\" at a threshold";

    public string Usage { get; } = $"""
        usage: fedface identify <image> [<image>…] --model MODEL.onnx --gallery FILE [options]

        options:
          --gallery FILE           a gallery made by fedface enroll
          --top K                  candidates listed per photo (default 5)
          --threshold T            accept the best candidate when its cosine score is ≥ T (default: the model's own threshold,
                                   from its metadata or FedFace's table of known models; a model with none needs --threshold.
                                   mobilefacenet_foamliu.onnx: {PretrainedMobileFaceNet.VerificationThreshold.ToString("F3", CultureInfo.InvariantCulture)}, where it falsely matches one pair of different
                                   people in 10,000 and accepts 97.7% of same-person pairs over all 87.3 million pairs of
                                   LFW's 13,233 images. A probe meets every template, so a gallery of N people takes up to
                                   N/10,000 of strangers for someone: raise T for large galleries)
          --json                   print the answers as JSON
        {EmbeddingOptions.Usage(FaceSelectionPolicy.Largest, qualityGate: true)}

        Without --normalization and --flip the gallery's recipe (FILE.recipe.json) is used; a different model, normalisation
        or flipping is refused. A photo without a usable face is reported with its reason and the others carry on.

        Exit code 0 when every photo was looked at (whatever it held), 1 on an error, 2 on bad arguments.

        """;

    public int Run(CommandArguments arguments, TextWriter output, TextWriter error)
    {
        string galleryPath = arguments.Option("gallery") ?? throw new UsageException("--gallery FILE is required (made by fedface enroll)");
        int top = arguments.IntOption("top", 1, 1000) ?? 5;
        float? chosenThreshold = arguments.FloatOption("threshold", -1, 1);
        bool json = arguments.Flag("json");
        EmbeddingRecipe recipe = EmbeddingOptions.Parse(arguments, FaceSelectionPolicy.Largest, qualityGate: true);
        arguments.EnsureAllUsed(expectedPositionals: arguments.Positionals.Count);
        if (arguments.Positionals.Count == 0)
        {
            throw new UsageException("which photos? (one or more image files)");
        }

        Gallery gallery = Gallery.Load(galleryPath);
        GalleryRecipe? galleryRecipe = GalleryRecipe.ReadBeside(galleryPath);
        if (galleryRecipe is null)
        {
            error.WriteLine($"warning: {galleryPath} has no {Path.GetFileName(GalleryRecipe.PathFor(galleryPath))}; cannot check its templates were made with this model and normalisation");
        }
        using FaceEmbedding embedding = FaceEmbedding.Open(recipe.WithDefaultsFrom(galleryRecipe));
        (float threshold, string thresholdSource) = Threshold(chosenThreshold, embedding);
        galleryRecipe?.EnsureComparableWith(GalleryRecipe.Of(embedding), galleryPath);
        if (gallery.Dimension != embedding.EmbeddingSize)
        {
            throw new InvalidDataException($"{galleryPath} holds {gallery.Dimension}-value templates; {Path.GetFileName(embedding.ModelPath)} makes {embedding.EmbeddingSize}-value embeddings");
        }

        var progress = new ProgressBar(error, arguments.Positionals.Count, "photos", inPlace: !Console.IsErrorRedirected);
        EmbeddedPhotos photos = embedding.EmbedFiles(arguments.Positionals, progress);
        progress.Finish();
        ProbeAnswer[] answers = [.. photos.Photos.Select(photo => Answer(gallery, photo, threshold, top))];

        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new IdentifyReport(Path.GetFullPath(galleryPath), gallery.Count, threshold, thresholdSource, answers), CliJson.Options));
            return CommandDispatcher.Success;
        }
        output.WriteLine($"gallery {galleryPath}: {gallery.Count} people; threshold {Score(threshold)} ({thresholdSource})");
        foreach (ProbeAnswer answer in answers)
        {
            output.WriteLine(answer.Status switch
            {
                ProbeStatus.Identified => $"{answer.Image}: identified as {answer.Person} ({Score(answer.Score!.Value)} ≥ {Score(threshold)})",
                _ => $"{answer.Image}: {answer.Status.ToString().ToLowerInvariant()}: {answer.Reason}",
            });
            for (int rank = 0; rank < answer.Candidates.Count; rank++)
            {
                output.WriteLine($"  {rank + 1,3}. {Score(answer.Candidates[rank].Score),6}  {answer.Candidates[rank].PersonId}");
            }
        }
        return CommandDispatcher.Success;
    }

    /// <summary>--threshold, else the model's own (its metadata or the known-model table); a model with none needs --threshold.</summary>
    private static (float Threshold, string Source) Threshold(float? chosen, FaceEmbedding embedding)
    {
        if (chosen is { } given)
        {
            return (given, "--threshold");
        }
        return embedding.Needs is { Card.VerificationThreshold: { } own } needs
            ? (own, $"the model's: {needs.Card.ThresholdSource}; from {needs.Source}")
            : throw new UsageException($"{Path.GetFileName(embedding.ModelPath)} has no verification threshold on record (no {ModelCard.ThresholdKey} in its metadata, "
                + "and not a known model): give --threshold T, measured for this model (e.g. by fedface evaluate --all-pairs)");
    }

    private static ProbeAnswer Answer(Gallery gallery, PhotoEmbedding photo, float threshold, int top)
    {
        if (photo.Embedding is null)
        {
            return new ProbeAnswer(photo.Path, ProbeStatus.Skipped, null, null, photo.Reason, []);
        }
        OpenSetResult result = gallery.IdentifyOpenSet(photo.Embedding, threshold, top);
        if (result.Candidates.Count == 0)
        {
            return new ProbeAnswer(photo.Path, ProbeStatus.Unknown, null, null, "the gallery is empty", []);
        }
        GalleryMatch best = result.Candidates[0];
        return result.Accepted
            ? new ProbeAnswer(photo.Path, ProbeStatus.Identified, best.PersonId, best.Score, null, result.Candidates)
            : new ProbeAnswer(photo.Path, ProbeStatus.Unknown, null, best.Score,
                $"best {best.PersonId} at {Score(best.Score)} < {Score(threshold)}", result.Candidates);
    }

    private static string Score(float score) => score.ToString("F3", CultureInfo.InvariantCulture);

    private sealed record IdentifyReport(string Gallery, int People, float Threshold, string ThresholdSource, IReadOnlyList<ProbeAnswer> Probes);
}
