using System.CommandLine;
using FedFace.CommandLine;
using FedFace.Inference;
using FedFace.Recognition;
using FedFace.Vision;

namespace FedFace.Cli;

/// <summary>
/// The options <c>enroll</c>, <c>identify</c> and <c>evaluate</c> share to say how a photo becomes an embedding, read
/// into an <see cref="EmbeddingRecipe"/>, so they are spelt and checked one way.
/// </summary>
public sealed class EmbeddingOptions
{
    private readonly FaceSelectionPolicy _defaultPolicy;

    private readonly Option<string> _model = new("--model")
    {
        Description = "The face-embedding model, ONNX, e.g. ../shared/models/mobilefacenet_foamliu.onnx.",
        HelpName = "PATH",
        Required = true,
    };

    private readonly Option<ModelInputNormalization?> _normalization = CheckedOptions.Parsed("--normalization", ModelInputNormalization.Parse,
        "symmetric|imagenet", "How the model wants its pixels: symmetric (x − 127.5) / 127.5 or imagenet (torchvision mean/std). [default: what the "
        + "model says, in its metadata (FedFace's exports) or FedFace's table of known models (mobilefacenet_foamliu.onnx: imagenet); a contradicting "
        + "value is refused, and a model that says nothing needs it]");

    private readonly Option<bool> _flip = new("--flip") { Description = "Embed each face and its mirror image, summed (twice the inference time)." };

    private readonly Option<FaceSelectionPolicy?> _policy;

    /// <summary>Offered where the quality gate applies (enroll, identify); null where every image is scored (evaluate).</summary>
    private readonly Option<bool>? _noQualityGate;

    private readonly Option<string> _detectorModel = new("--detector-model")
    {
        Description = "The YuNet face-detector model, ONNX, e.g. ../shared/models/face_detection_yunet_2023mar.onnx.",
        HelpName = "PATH",
        Required = true,
    };

    private readonly Option<string?> _cache = new("--cache")
    {
        Description = "Keep aligned crops here; photos seen before are not detected again.",
        HelpName = "DIR",
    };

    private readonly Option<int?> _threads = Threads();

    /// <param name="defaultPolicy">Which face of several is used when --policy is not given.</param>
    /// <param name="qualityGate">
    /// Whether the quality gate applies (and --no-quality-gate is offered). Without it every aligned face is used and
    /// no face is too small: what an evaluation protocol that scores every image needs.
    /// </param>
    public EmbeddingOptions(FaceSelectionPolicy defaultPolicy, bool qualityGate)
    {
        _defaultPolicy = defaultPolicy;
        _policy = Policy($"Which face of several to use. [default: {EmbeddingRecipe.PolicyName(defaultPolicy)}]");
        _noQualityGate = qualityGate
            ? new Option<bool>("--no-quality-gate") { Description = "Use every aligned face. [default: blurred, dark, bright, tiny and extreme-pose faces are skipped]" }
            : null;
    }

    /// <summary>Adds the options to <paramref name="command"/>, in the order its --help lists them.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (Option option in new Option?[] { _model, _normalization, _flip, _policy, _noQualityGate, _detectorModel, _cache, _threads }.OfType<Option>())
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The recipe the options of <paramref name="parsed"/> give.</summary>
    public EmbeddingRecipe Read(ParseResult parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        FacePipelineSettings alignment = _noQualityGate is not null && !parsed.GetValue(_noQualityGate) ? new FacePipelineSettings() : FacePipelineSettings.Ungated;
        return new EmbeddingRecipe
        {
            ModelPath = parsed.GetRequiredValue(_model),
            Normalization = parsed.GetValue(_normalization),
            Flip = parsed.GetValue(_flip),
            Alignment = alignment with { Policy = parsed.GetValue(_policy) ?? _defaultPolicy },
            Detector = new DetectorOptions { YuNetModelPath = parsed.GetRequiredValue(_detectorModel) },
            CacheDirectory = parsed.GetValue(_cache),
            Threads = parsed.GetValue(_threads) ?? Environment.ProcessorCount,
        };
    }

    /// <summary><c>--threads N</c>, the workers, as every command that finds faces takes it.</summary>
    public static Option<int?> Threads() => CheckedOptions.Number("--threads", 1, 256, "N", "Workers. [default: the number of cores]");

    /// <summary><c>--policy largest|central</c>: which face of several a command keeps.</summary>
    public static Option<FaceSelectionPolicy?> Policy(string description) =>
        CheckedOptions.Parsed("--policy", text => (FaceSelectionPolicy?)FaceSelector.ParsePolicy(text), "largest|central", description);
}
