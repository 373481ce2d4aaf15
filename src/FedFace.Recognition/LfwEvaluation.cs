using FedFace.Evaluation;
using FedFace.Vision;

namespace FedFace.Recognition;

/// <summary>How one set of embeddings fared on the pairs of lfw-pairs.txt.</summary>
/// <param name="Scores">each pair's score, in the file's order.</param>
/// <param name="PairsWithoutFace">pairs with an image in which no face was found; each scored <see cref="LfwEvaluation.NoFaceScore"/>.</param>
/// <param name="Result">10-fold accuracy, TAR at the target FAR and the ROC over every pair.</param>
public sealed record LfwVerification(IReadOnlyList<double> Scores, int PairsWithoutFace, LfwProtocolResult Result)
{
    public int Pairs => Scores.Count;
}

/// <summary>
/// LFW as both <c>fedface evaluate</c> and the vision benchmark score it, so the two report the same figures: the View 2
/// pairs of lfw-pairs.txt, each scored by the cosine of its two images' embeddings, through <see cref="LfwProtocol"/>
/// (10-fold accuracy with the threshold chosen on the other nine, TAR at FAR 1e-3); and every image of the LFW folder,
/// for the all-pairs and identification protocols of <see cref="LabelledEmbeddings"/>.
/// </summary>
public sealed class LfwEvaluation
{
    /// <summary>A pair with an image in which no face was found is called "different": below every cosine of two faces.</summary>
    public const double NoFaceScore = -1;

    private LfwEvaluation(string pairsFile, string lfwDirectory, IReadOnlyList<LfwPair> pairs)
    {
        PairsFile = pairsFile;
        LfwDirectory = lfwDirectory;
        Pairs = pairs;
        PairImages = [.. pairs.SelectMany(p => new[] { ImagePath(p.Person1, p.Image1), ImagePath(p.Person2, p.Image2) }).Distinct()];
        _samePerson = [.. pairs.Select(p => p.SamePerson)];
        _folds = [.. pairs.Select(p => p.Fold)];
    }

    private readonly bool[] _samePerson;
    private readonly int[] _folds;

    /// <param name="pairsFile">lfw-pairs.txt (View 2).</param>
    /// <param name="lfwDirectory">the LFW images, a folder per person.</param>
    /// <exception cref="FileNotFoundException">there is no pairs file.</exception>
    /// <exception cref="InvalidDataException">the pairs file is malformed (the message names the file and line).</exception>
    public static LfwEvaluation Open(string pairsFile, string lfwDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(pairsFile);
        ArgumentException.ThrowIfNullOrEmpty(lfwDirectory);
        if (!File.Exists(pairsFile))
        {
            throw new FileNotFoundException($"pairs file '{pairsFile}' does not exist (LFW View 2 pairs, as in lfw-pairs.txt)", pairsFile);
        }
        try
        {
            return new LfwEvaluation(Path.GetFullPath(pairsFile), Path.GetFullPath(lfwDirectory), LfwPairsFile.Read(pairsFile));
        }
        catch (FormatException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
    }

    public string PairsFile { get; }
    public string LfwDirectory { get; }
    public IReadOnlyList<LfwPair> Pairs { get; }

    /// <summary>The distinct images of the pairs, in order of first appearance: what <see cref="Verify"/> needs embedded.</summary>
    public IReadOnlyList<string> PairImages { get; }

    /// <summary>
    /// Throws, naming how many and the first, when images of the pairs are not in <see cref="LfwDirectory"/>: the
    /// pairs file was written for another folder, and scoring its pairs as faceless would mean nothing.
    /// </summary>
    /// <exception cref="FileNotFoundException">an image of a pair is missing.</exception>
    public void EnsurePairImagesExist()
    {
        string[] missing = [.. PairImages.Where(path => !File.Exists(path))];
        if (missing.Length > 0)
        {
            throw new FileNotFoundException($"{missing.Length:N0} of the {PairImages.Count:N0} images named by {PairsFile} are not under {LfwDirectory} "
                + $"(first: {missing[0]}); give --lfw the folder the pairs file was written for", missing[0]);
        }
    }

    /// <summary>("Aaron_Peirsol", 1) → LfwDirectory/Aaron_Peirsol/Aaron_Peirsol_0001.jpg.</summary>
    public string ImagePath(string person, int number) => Path.Combine(LfwDirectory, person, $"{person}_{number:D4}.jpg");

    /// <summary>Every image in the LFW folder with its person, person by person and in file order (<see cref="SiteDataset.Scan"/>).</summary>
    public IReadOnlyList<LabelledImage> EveryImage() => SiteDataset.Scan(LfwDirectory).Images;

    /// <summary>Scores every pair by the cosine of its images' embeddings (<see cref="NoFaceScore"/> when one has none) and runs the protocol.</summary>
    /// <param name="photos">embeddings of at least every one of <see cref="PairImages"/>.</param>
    /// <exception cref="ArgumentException">an image of a pair is not among <paramref name="photos"/>.</exception>
    public LfwVerification Verify(EmbeddedPhotos photos, double targetFar = LfwProtocol.StandardTargetFar)
    {
        ArgumentNullException.ThrowIfNull(photos);
        IReadOnlyDictionary<string, float[]?> embeddingOf = photos.EmbeddingsByPath();
        float[]? EmbeddingOf(string person, int number)
        {
            string path = ImagePath(person, number);
            return embeddingOf.TryGetValue(path, out float[]? embedding)
                ? embedding
                : throw new ArgumentException($"{path}, an image of a pair, was not embedded", nameof(photos));
        }

        var scores = new double[Pairs.Count];
        int pairsWithoutFace = 0;
        for (int i = 0; i < Pairs.Count; i++)
        {
            LfwPair pair = Pairs[i];
            float[]? first = EmbeddingOf(pair.Person1, pair.Image1), second = EmbeddingOf(pair.Person2, pair.Image2);
            if (first is null || second is null)
            {
                pairsWithoutFace++;
                scores[i] = NoFaceScore;
                continue;
            }
            scores[i] = Similarity.Dot(first, second); // both unit length: the cosine
        }
        LfwProtocolResult result = LfwProtocol.Evaluate(scores, _samePerson, _folds, targetFar);
        return new LfwVerification(scores, pairsWithoutFace, result);
    }

    /// <summary>TAR at another target FAR over the folds, from the scores of <see cref="Verify"/>.</summary>
    public TarAtFarResult KFoldTarAtFar(LfwVerification verification, double targetFar)
    {
        ArgumentNullException.ThrowIfNull(verification);
        return VerificationEvaluator.KFoldTarAtFar(verification.Scores, _samePerson, _folds, targetFar);
    }
}
