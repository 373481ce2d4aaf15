using FedFace.Core;
using FedFace.Inference;
using FedFace.Vision;

namespace FedFace.Recognition;

/// <summary>
/// The recipe of the pretrained model in the shared folder (<c>mobilefacenet_foamliu.onnx</c>) behind the published LFW
/// figures: two choices, each made for a reason known before scoring, and applied to every image and pair alike.
/// <c>fedface evaluate --model mobilefacenet_foamliu.onnx --normalization imagenet</c> follows the same recipe; the
/// benchmark also reports the other combinations, so their worth is on record.
/// </summary>
public static class PretrainedMobileFaceNet
{
    public const FaceSelectionPolicy Selection = FaceSelectionPolicy.MostCentral;

    public const string SelectionReason = "every LFW image is a 250x250 crop centred on the named person's detected face, "
        + "so the face nearest the centre is the subject; the largest may be a bystander closer to the camera "
        + "(foamliu/MobileFaceNet's own LFW evaluation picks the central face for the same reason)";

    public static ModelInputNormalization Normalization => ModelInputNormalization.ImageNet;

    public const string NormalizationReason = "mobilefacenet_foamliu.onnx was trained on RGB faces normalised with torchvision's "
        + "ImageNet mean and std (foamliu/MobileFaceNet data_gen.py), not (x − 127.5) / 127.5";

    /// <summary>
    /// The shared folder's model and YuNet detector, the central face of any size, no quality gate (an evaluation
    /// protocol scores every image), ImageNet normalisation, no flip, no cache.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">the shared folder cannot be found.</exception>
    public static EmbeddingRecipe Recipe(int threads) => new()
    {
        ModelPath = SharedData.MobileFaceNetOnnx,
        Normalization = Normalization,
        Detector = new DetectorOptions { YuNetModelPath = SharedData.YuNetModel },
        Alignment = FacePipelineSettings.Ungated with { Policy = Selection },
        Threads = threads,
    };
}
