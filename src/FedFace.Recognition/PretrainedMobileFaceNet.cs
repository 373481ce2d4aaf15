using FedFace.Inference;
using FedFace.Vision;

namespace FedFace.Benchmarks.Vision;

/// <summary>
/// The two choices behind the headline LFW figures, each made for a reason known before scoring, and applied to
/// every image and pair alike. The benchmark also reports the other combinations, so their worth is on record.
/// </summary>
public static class VisionRecipe
{
    public const FaceSelectionPolicy Selection = FaceSelectionPolicy.MostCentral;

    public const string SelectionReason = "every LFW image is a 250x250 crop centred on the named person's detected face, "
        + "so the face nearest the centre is the subject; the largest may be a bystander closer to the camera "
        + "(foamliu/MobileFaceNet's own LFW evaluation picks the central face for the same reason)";

    public static ModelInputNormalization Normalization => ModelInputNormalization.ImageNet;

    public const string NormalizationReason = "mobilefacenet_foamliu.onnx was trained on RGB faces normalised with torchvision's "
        + "ImageNet mean and std (foamliu/MobileFaceNet data_gen.py), not (x − 127.5) / 127.5";
}
