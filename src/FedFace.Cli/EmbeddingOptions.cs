using FedFace.Core;
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
        {(qualityGate ? "  --no-quality-gate        use every aligned face (default: blurred, dark, bright, tiny and extreme-pose faces are skipped)\n" : "")}  --detector-model PATH    YuNet ONNX model (default: models/face_detection_yunet_2023mar.onnx in the shared folder)
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
            Detector = new DetectorOptions { YuNetModelPath = arguments.Option("detector-model") ?? SharedYuNetModelOrEmpty() },
            CacheDirectory = arguments.Option("cache"),
            Threads = arguments.IntOption("threads", 1, 256) ?? Environment.ProcessorCount,
        };
    }

    /// <summary>The shared folder's YuNet model when the shared folder can be found; otherwise empty (then the detector's model must be given).</summary>
    public static string SharedYuNetModelOrEmpty()
    {
        try
        {
            return SharedData.YuNetModel;
        }
        catch (DirectoryNotFoundException)
        {
            return "";
        }
    }
}
