namespace FedFace.Inference.Tests;

public sealed class ModelInputNormalizationRemapTests
{
    private const int Plane = 4;

    [Fact]
    public void Remapping_symmetric_pixels_gives_the_imagenet_scaling_of_the_same_pixel_values()
    {
        byte[] raw = [0, 64, 128, 255];
        // Two faces, each three planes of the same four raw values, scaled as FaceTensor scales them.
        float[] faces = [.. Enumerable.Repeat(raw.Select(x => (x - 127.5f) / 127.5f), 6).SelectMany(p => p)];

        ModelInputNormalization.ImageNet.RemapFromSymmetric(faces, Plane);

        (float Mean, float Std)[] channels = [(0.485f, 0.229f), (0.456f, 0.224f), (0.406f, 0.225f)];
        for (int face = 0; face < 2; face++)
        {
            for (int c = 0; c < 3; c++)
            {
                for (int i = 0; i < Plane; i++)
                {
                    float expected = (raw[i] / 255f - channels[c].Mean) / channels[c].Std;
                    Assert.Equal(expected, faces[(face * 3 + c) * Plane + i], 4);
                }
            }
        }
    }

    [Fact]
    public void Symmetric_leaves_the_pixels_as_they_are_and_a_partial_face_is_refused()
    {
        float[] faces = [.. Enumerable.Range(0, 3 * Plane).Select(i => i / 12f)];
        float[] before = [.. faces];

        ModelInputNormalization.Symmetric.RemapFromSymmetric(faces, Plane);

        Assert.Equal(before, faces);
        Assert.Throws<ArgumentException>(() => ModelInputNormalization.ImageNet.RemapFromSymmetric(new float[3 * Plane + 1], Plane));
    }

    [Theory]
    [InlineData("imagenet", "imagenet")]
    [InlineData(" Symmetric ", "symmetric")]
    public void Names_parse_to_the_known_normalisations(string name, string expected)
    {
        Assert.Equal(expected, ModelInputNormalization.Parse(name).Name);
        Assert.Throws<ArgumentException>(() => ModelInputNormalization.Parse("bgr"));
    }

    [Fact]
    public void An_unknown_normalisation_is_refused_by_name() =>
        Assert.Contains("'zscore'", Assert.Throws<ArgumentException>(() => ModelInputNormalization.Parse("zscore")).Message);
}
