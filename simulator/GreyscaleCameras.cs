using FedFace.Client;

namespace FedFace.Simulator;

/// <summary>
/// Sites whose cameras see no colour (an old CCTV system): a share of such a site's photos, and their masked renderings,
/// are turned to grey once and for good, so the site trains on the faces it meets.
/// </summary>
public static class GreyscaleCameras
{
    // ITU-R BT.601 luma; the weights sum to 1, so grey in the normalised pixel space is grey in byte space too.
    private const float Red = 0.299f, Green = 0.587f, Blue = 0.114f;

    /// <summary>Turns about <paramref name="share"/> of the site's faces, drawn with <paramref name="seed"/>, to grey; returns how many.</summary>
    public static int SeeGrey(SiteData site, double share, int seed)
    {
        ArgumentNullException.ThrowIfNull(site);
        int length = Learning.Training.FaceTrainingSet.ValuesPerImage;
        return FaceShare.Change(site.Examples, share, seed, face =>
        {
            ToGrey(site.Faces.Pixels.AsSpan(face * length, length));
            if (site.Faces.MaskedPixels is float[] masked)
            {
                ToGrey(masked.AsSpan(face * length, length));
            }
        });
    }

    /// <summary>One face in the RGB planar layout (three planes of height × width) made grey in place.</summary>
    internal static void ToGrey(Span<float> face)
    {
        int plane = face.Length / 3;
        Span<float> red = face[..plane], green = face.Slice(plane, plane), blue = face.Slice(2 * plane, plane);
        for (int i = 0; i < plane; i++)
        {
            float grey = Red * red[i] + Green * green[i] + Blue * blue[i];
            red[i] = green[i] = blue[i] = grey;
        }
    }
}
