using System.Text.Json;
using FedFace.Core.Storage;

namespace FedFace.Recognition;

/// <summary>
/// How a gallery's templates were made, kept beside it as <c>GALLERY.recipe.json</c>: templates from one model and
/// pixel normalisation can only be compared with probes made the same way, and nothing in the scores would say
/// when they were not. <c>enroll</c> writes it; <c>identify</c> and later <c>enroll</c> runs take their defaults from
/// it and refuse a different model, normalisation or flipping.
/// </summary>
public sealed record GalleryRecipe(string Model, string ModelSha256, int EmbeddingSize, string Normalization, bool Flip)
{
    // Indented so that a person can read what a gallery was made with.
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    public static string PathFor(string galleryPath) => galleryPath + ".recipe.json";

    public static GalleryRecipe Of(FaceEmbedding embedding)
    {
        ArgumentNullException.ThrowIfNull(embedding);
        return new(Path.GetFileName(embedding.ModelPath), embedding.ModelSha256, embedding.EmbeddingSize,
            embedding.Normalization.Name, embedding.Flip);
    }

    /// <summary>The recipe beside <paramref name="galleryPath"/>, or null when there is none.</summary>
    public static GalleryRecipe? ReadBeside(string galleryPath)
    {
        string path = PathFor(galleryPath);
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<GalleryRecipe>(File.ReadAllText(path), s_json)
                ?? throw new InvalidDataException($"{path} is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a gallery recipe: {e.Message}", e);
        }
    }

    public void WriteBeside(string galleryPath) =>
        AtomicFile.Write(PathFor(galleryPath), stream => JsonSerializer.Serialize(stream, this, s_json));

    /// <summary>Throws, naming the difference, when probes made by <paramref name="probes"/> cannot be compared with these templates.</summary>
    public void EnsureComparableWith(GalleryRecipe probes, string galleryPath)
    {
        ArgumentNullException.ThrowIfNull(probes);
        string? difference =
            ModelSha256 != probes.ModelSha256 ? $"its templates come from model {Model} (sha256 {ModelSha256[..12]}…), --model is {probes.Model} (sha256 {probes.ModelSha256[..12]}…)"
            : Normalization != probes.Normalization ? $"it was enrolled with {Normalization} normalisation, not {probes.Normalization} (leave --normalization out to use the gallery's)"
            : Flip != probes.Flip ? $"it was enrolled {(Flip ? "with" : "without")} --flip"
            : null;
        if (difference is not null)
        {
            throw new InvalidDataException($"{galleryPath}: {difference}; embeddings made differently cannot be compared (re-enrol with --replace to change the recipe)");
        }
    }
}
