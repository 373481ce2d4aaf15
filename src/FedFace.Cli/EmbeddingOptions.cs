using FedFace.Inference;
using FedFace.Recognition;
using FedFace.Vision;

namespace FedFace.Cli;

/// <summary>
/// The options <c>enroll</c>, <c>identify</c> and <c>evaluate</c> share to say how a photo becomes an embedding, read
/// into an <see cref="EmbeddingRecipe"/>, so they are spelt and checked one way.
/// </summary>
public static class EmbeddingOptions
{
    /// <summary>The usage lines of the shared options; <paramref name="qualityGate"/> says whether --no-quality-gate is offered.</summary>
    public static string Usage(FaceSelectionPolicy defaultPolicy, bool qualityGate) => $"""
          --model PATH             the face-embedding model, ONNX (required), e.g. ../shared/models/mobilefacenet_foamliu.onnx
          --normalization symmetric|imagenet
                                   how the model wants its pixels: symmetric (x − 127.5) / 127.5 or imagenet (torchvision
                                   mean/std). Default: what the model says, in its metadata (FedFace's exports) or FedFace's
                                   table of known models (mobilefacenet_foamliu.onnx: imagenet); a contradicting value is
                                   refused, and a model that says nothing needs it
          --flip                   embed each face and its mirror image, summed (twice the inference time)
          --policy largest|central which face of several to use (default {EmbeddingRecipe.PolicyName(defaultPolicy)})
        {(qualityGate ? "  --no-quality-gate        use every aligned face (default: blurred, dark, bright, tiny and extreme-pose faces are skipped)\n" : "")}  --detector-model PATH    the YuNet face-detector model, ONNX (required), e.g. ../shared/models/face_detection_yunet_2023mar.onnx
          --cache DIR              keep aligned crops here; photos seen before are not detected again
          --threads N              workers (default: the number of cores)
        """;

    /// <summary>
    /// Takes the shared options from <paramref name="arguments"/>. Without <paramref name="qualityGate"/> every aligned
    /// face is used and no face is too small (what an evaluation protocol that scores every image needs).
    /// </summary>
    public static EmbeddingRecipe Parse(CommandArguments arguments, FaceSelectionPolicy defaultPolicy, bool qualityGate)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        string model = arguments.Option("model") ?? throw new UsageException("--model PATH is required (the face-embedding ONNX model)");
        FacePipelineSettings alignment = qualityGate && !arguments.Flag("no-quality-gate") ? new FacePipelineSettings() : FacePipelineSettings.Ungated;
        return new EmbeddingRecipe
        {
            ModelPath = model,
            Normalization = arguments.ParsedOption("normalization", ModelInputNormalization.Parse),
            Flip = arguments.Flag("flip"),
            Alignment = alignment with { Policy = arguments.ParsedValueOption("policy", FaceSelector.ParsePolicy) ?? defaultPolicy },
            Detector = new DetectorOptions { YuNetModelPath = arguments.Option("detector-model") ?? throw MissingDetectorModel("detector-model") },
            CacheDirectory = arguments.Option("cache"),
            Threads = arguments.IntOption("threads", 1, 256) ?? Environment.ProcessorCount,
        };
    }

    /// <summary>The one-line error for a YuNet detector without its model: <paramref name="flag"/> is the option that names it.</summary>
    public static UsageException MissingDetectorModel(string flag) =>
        new($"--{flag} PATH is required (the YuNet face-detector ONNX model, e.g. ../shared/models/face_detection_yunet_2023mar.onnx)");
}
