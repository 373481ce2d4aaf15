using FedFace.DevelopmentData;
using OpenCvSharp;

namespace FedFace.Vision.Tests;

public sealed class FaceAugmenterTests : IDisposable
{
    private static readonly AugmentationOptions Everything = new() { OcclusionProbability = 0.5f, MaskProbability = 0.5f };
    private readonly Mat _crop;

    public FaceAugmenterTests()
    {
        using var detector = new YuNetFaceDetector(SharedData.YuNetModel);
        using Mat image = TestImages.Lfw("Serena_Williams", 1);
        _crop = FaceAligner.Align(image, detector.Detect(image).MaxBy(f => f.Area)!.Landmarks);
    }

    public void Dispose() => _crop.Dispose();

    private static byte[] Bytes(Mat image)
    {
        using (image)
        {
            return image.AsSpan<byte>().ToArray();
        }
    }

    [Fact]
    public void TheSameSeedAndSampleGiveTheSameCrop()
    {
        var augmenter = new FaceAugmenter(Everything);

        for (int sample = 0; sample < 20; sample++)
        {
            Assert.Equal(augmenter.Draw(7, sample), augmenter.Draw(7, sample));
            Assert.Equal(Bytes(augmenter.Augment(_crop, AlignmentTemplate.ArcFace112, 7, sample)), Bytes(augmenter.Augment(_crop, AlignmentTemplate.ArcFace112, 7, sample)));
        }
    }

    [Fact]
    public void DifferentSeedsOrSamplesGiveDifferentCrops()
    {
        var augmenter = new FaceAugmenter(Everything);

        byte[] a = Bytes(augmenter.Augment(_crop, AlignmentTemplate.ArcFace112, 7, 0));
        byte[] b = Bytes(augmenter.Augment(_crop, AlignmentTemplate.ArcFace112, 8, 0));
        byte[] c = Bytes(augmenter.Augment(_crop, AlignmentTemplate.ArcFace112, 7, 1));

        Assert.NotEqual(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(200, Enumerable.Range(0, 200).Select(i => augmenter.Draw(1, i)).Distinct().Count());
    }

    [Fact]
    public void ParallelWorkersGetWhatOneThreadGets()
    {
        var augmenter = new FaceAugmenter(Everything);
        byte[][] sequential = [.. Enumerable.Range(0, 16).Select(i => Bytes(augmenter.Augment(_crop, AlignmentTemplate.ArcFace112, 3, i)))];
        var parallel = new byte[16][];

        // Visit samples in reverse on several threads: each sample's own generator makes order irrelevant.
        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 4 }, k => parallel[15 - k] = Bytes(augmenter.Augment(_crop, AlignmentTemplate.ArcFace112, 3, 15 - k)));

        Assert.Equal(sequential, parallel);
    }

    [Fact]
    public void DrawsStayInTheirRanges()
    {
        var augmenter = new FaceAugmenter(new AugmentationOptions());
        AugmentationDraw[] draws = [.. Enumerable.Range(0, 2000).Select(i => augmenter.Draw(5, i))];

        Assert.All(draws, d =>
        {
            Assert.InRange(d.RotationDegrees, -15, 15);
            Assert.InRange(d.Scale, 0.8, 1.2);
            Assert.InRange(d.BrightnessFactor, 0.7, 1.3);
        });
        Assert.InRange(draws.Count(d => d.Flip), 900, 1100);
        Assert.InRange(draws.Count(d => d.Occlusion is not null), 320, 480);
        Assert.InRange(draws.Count(d => d.MaskColour is not null), 140, 260);
        Assert.True(draws.Max(d => d.RotationDegrees) > 14 && draws.Min(d => d.RotationDegrees) < -14, "the whole ±15° range is used");
    }

    [Fact]
    public void AFlipAloneMirrorsTheCrop()
    {
        var flipOnly = new AugmentationDraw(Flip: true, 0, 1, 1, null, 0, null);
        using Mat mirrored = new();
        Cv2.Flip(_crop, mirrored, FlipMode.Y);

        using Mat flipped = FaceAugmenter.Apply(_crop, AlignmentTemplate.ArcFace112, flipOnly);

        Assert.Equal(Bytes(mirrored.Clone()), Bytes(flipped.Clone()));
    }

    [Fact]
    public void BrightnessScalesPixels()
    {
        using Mat brighter = FaceAugmenter.Apply(_crop, AlignmentTemplate.ArcFace112, new AugmentationDraw(false, 0, 1, 1.3f, null, 0, null));

        byte[] before = Bytes(_crop.Clone()), after = Bytes(brighter.Clone());
        for (int i = 0; i < before.Length; i++)
        {
            Assert.InRange(after[i], Math.Min(255, before[i] * 1.3) - 1, Math.Min(255, before[i] * 1.3) + 1);
        }
    }

    [Fact]
    public void TheMaskCoversNoseTipToChinAndLeavesTheEyes()
    {
        using Mat masked = _crop.Clone();
        var colour = SyntheticMask.Colours[0];

        SyntheticMask.ApplyToAligned(masked, AlignmentTemplate.ArcFace112, colour);

        var t = AlignmentTemplate.ArcFace112.Points;
        (float X, float Y) mouth = ((t[3].X + t[4].X) / 2, (t[3].Y + t[4].Y) / 2);
        foreach ((float x, float y) in new[] { t[3], t[4], mouth, (t[2].X, t[2].Y + 3), (mouth.X, 108f) })
        {
            Vec3b pixel = masked.At<Vec3b>((int)y, (int)x);
            Assert.InRange(Math.Abs(pixel.Item0 - colour.Val0) + Math.Abs(pixel.Item1 - colour.Val1) + Math.Abs(pixel.Item2 - colour.Val2), 0, 150);
        }
        foreach ((float x, float y) in new[] { t[0], t[1] })
        {
            Assert.Equal(_crop.At<Vec3b>((int)y, (int)x), masked.At<Vec3b>((int)y, (int)x));
        }
        // Eyes and forehead untouched: nothing above the nose tip's level, minus the mask's top curve, changes.
        using Mat upperBefore = new(_crop, new Rect(0, 0, 112, (int)t[2].Y - 8)), upperAfter = new(masked, new Rect(0, 0, 112, (int)t[2].Y - 8));
        Assert.Equal(0, Cv2.Norm(upperBefore, upperAfter, NormTypes.L1));
    }

    [Fact]
    public void TheMaskFollowsLandmarksInAWholePhoto()
    {
        using var detector = new YuNetFaceDetector(SharedData.YuNetModel);
        using Mat photo = TestImages.Lfw("George_W_Bush", 1);
        FaceDetection face = detector.Detect(photo).MaxBy(f => f.Area)!;

        SyntheticMask.Apply(photo, face.Landmarks, SyntheticMask.Colours[2]);

        // The mouth is covered, so YuNet's mouth corners no longer sit on a mouth; the outline spans them.
        Point[] outline = SyntheticMask.Outline(face.Landmarks);
        Assert.True(outline.Min(p => p.X) < face.Landmarks[3].X && outline.Max(p => p.X) > face.Landmarks[4].X);
        Assert.True(outline.Max(p => p.Y) > face.Landmarks[3].Y && outline.Min(p => p.Y) < face.Landmarks[2].Y);
    }

    [Fact]
    public void BadOptionsAreNamed()
    {
        var e = Assert.Throws<ArgumentException>(() => new FaceAugmenter(new AugmentationOptions { FlipProbability = 2, MinScale = 1.5f }));

        Assert.Contains("FlipProbability", e.Message);
        Assert.Contains("MinScale", e.Message);
    }
}
