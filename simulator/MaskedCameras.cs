using FedFace.Client;

namespace FedFace.Simulator;

/// <summary>
/// Sites whose cameras see masked faces (a clinic, a lab): a share of such a site's photos is replaced, once and for
/// good, by its synthetic masked rendering, so the site trains on the faces it meets rather than on a mask
/// augmentation the federation asks of everyone.
/// </summary>
public static class MaskedCameras
{
    /// <summary>Replaces about <paramref name="share"/> of the site's faces, drawn with <paramref name="seed"/>, by their masked renderings; returns how many.</summary>
    public static int SeeMasked(SiteData site, double share, int seed)
    {
        ArgumentNullException.ThrowIfNull(site);
        float[] masked = site.Faces.MaskedPixels
            ?? throw new ArgumentException("the site prepared no masked renderings of its faces", nameof(site));
        int length = Learning.Training.FaceTrainingSet.ValuesPerImage;
        return FaceShare.Change(site.Examples, share, seed, face => Array.Copy(masked, face * length, site.Faces.Pixels, face * length, length));
    }
}
