using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FedFace.CommandLine;
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
    private readonly Argument<string[]> _images = new("image") { Description = "The photos to identify.", Arity = ArgumentArity.OneOrMore };
    private readonly Option<string> _gallery = new("--gallery") { Description = "A gallery made by fedface enroll.", HelpName = "FILE", Required = true };
    private readonly Option<int> _top = CheckedOptions.Number("--top", 1, 1000, 5, "K", "Candidates listed per photo.");
    private readonly Option<float?> _threshold = CheckedOptions.Number("--threshold", -1f, 1f, "T",
        "Accept the best candidate when its cosine score is ≥ T. [default: the model's own threshold, from its metadata or FedFace's table of known "
        + "models; a model with none needs --threshold. mobilefacenet_foamliu.onnx: "
        + PretrainedMobileFaceNet.VerificationThreshold.ToString("F3", CultureInfo.InvariantCulture)
        + ", where it falsely matches one pair of different people in 10,000 and accepts 97.7% of same-person pairs over all 87.3 million pairs of "
        + "LFW's 13,233 images. A probe meets every template, so a gallery of N people takes up to N/10,000 of strangers for someone: raise T for "
        + "large galleries]");
    private readonly Option<bool> _json = new("--json") { Description = "Print the answers as JSON." };
    private readonly EmbeddingOptions _embedding = new(FaceSelectionPolicy.Largest, qualityGate: true);

    public IdentifyCommand()
    {
        Command = new Command("identify", """
            Who is in these photos: for each, the enrolled people with the highest cosine scores, and whether the best is
            accepted at the threshold (open-set: someone not enrolled is "unknown", not the nearest person).

            Without --normalization and --flip the gallery's recipe (FILE.recipe.json) is used; a different model, normalisation
            or flipping is refused. A photo without a usable face is reported with its reason and the others carry on.

            Exit codes: 0 when every photo was looked at (whatever it held), 1 on an error, 2 on bad arguments.
            """)
        { _images, _gallery, _top, _threshold, _json };
        _embedding.AddTo(Command);
    }

    public Command Command { get; }
    public string Summary => "Who is in these photos: the best matches in a gallery, accepted or \"unknown\" at a threshold.";

    public int Run(ParseResult parsed, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        string galleryPath = parsed.GetRequiredValue(_gallery);
        int top = parsed.GetValue(_top);
        float? chosenThreshold = parsed.GetValue(_threshold);
        bool json = parsed.GetValue(_json);
        EmbeddingRecipe recipe = _embedding.Read(parsed);
        string[] images = parsed.GetRequiredValue(_images);

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

        var progress = new ProgressBar(error, images.Length, "photos", inPlace: !Console.IsErrorRedirected);
        EmbeddedPhotos photos = embedding.EmbedFiles(images, progress);
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
