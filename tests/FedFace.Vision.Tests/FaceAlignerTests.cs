using FedFace.DevelopmentData;
using FedFace.Vision;
using OpenCvSharp;

namespace FedFace.Vision.Tests;

public sealed class FaceAlignerTests
{
    [Fact]
    public void RecoversAKnownSimilarityExactly()
    {
        // Map the template by a known rotation + scale + translation, then estimate the way back.
        double angle = 0.3, scale = 2.5, tx = 40, ty = -17;
        double c = scale * Math.Cos(angle), s = scale * Math.Sin(angle);
        var moved = FaceAligner.Template112
            .Select(p => ((float)(c * p.X - s * p.Y + tx), (float)(s * p.X + c * p.Y + ty)))
            .ToArray();

        double[,] m = FaceAligner.EstimateSimilarity(moved);

        // The inverse of x ↦ sR·x + t is y ↦ (1/s)Rᵀ·(y − t).
        double ic = c / (scale * scale), isn = s / (scale * scale);
        double[,] expected =
        {
            { ic, isn, -(ic * tx + isn * ty) },
            { -isn, ic, -(-isn * tx + ic * ty) },
        };
        for (int r = 0; r < 2; r++)
        {
            for (int k = 0; k < 3; k++)
            {
                Assert.Equal(expected[r, k], m[r, k], 1e-4);
            }
        }
    }

    [Fact]
    public void TemplateMapsToItselfByTheIdentity()
    {
        double[,] m = FaceAligner.EstimateSimilarity(FaceAligner.Template112);

        Assert.Equal(new double[,] { { 1, 0, 0 }, { 0, 1, 0 } }, Round(m));
    }

    [Fact]
    public void DegenerateOrMiscountedLandmarksAreRejected()
    {
        Assert.Throws<ArgumentException>(() => FaceAligner.EstimateSimilarity(Enumerable.Repeat((5f, 5f), 5).ToArray()));
        Assert.Throws<ArgumentException>(() => FaceAligner.EstimateSimilarity(FaceAligner.Template112.Take(4).ToArray()));
    }

    [Theory]
    [InlineData("Aaron_Peirsol", 1)]
    [InlineData("George_W_Bush", 1)]
    [InlineData("Colin_Powell", 2)]
    public void RealLandmarksFitTheTemplateAsWellAsASimilarityCan(string person, int number)
    {
        using var detector = new YuNetFaceDetector(SharedData.YuNetModel);
        using Mat image = Cv2.ImRead(SharedData.LfwImage(person, number), ImreadModes.Color);
        var landmarks = Assert.Single(detector.Detect(image)).Landmarks;

        double[,] m = FaceAligner.EstimateSimilarity(landmarks);

        // A similarity cannot bend one face's shape into the template's, so a few pixels stay:
        // over 300 LFW images the largest landmark error had median 4.3 px (90% below 7.1 px) and
        // the RMS error median 3.0 px. These frontal faces fit better than that.
        double[] errors = [.. Enumerable.Range(0, 5).Select(i => Distance(Apply(m, landmarks[i]), FaceAligner.Template112[i]))];
        Assert.All(errors, e => Assert.InRange(e, 0, 5));
        Assert.InRange(Math.Sqrt(errors.Average(e => e * e)), 0, 3.5);

        // Least squares: nudging any of the four parameters makes the fit worse.
        double best = SquaredError(m, landmarks);
        foreach ((double da, double db, double dtx, double dty) in new (double, double, double, double)[] { (1e-3, 0, 0, 0), (0, 1e-3, 0, 0), (0, 0, 0.05, 0), (0, 0, 0, 0.05) })
        {
            foreach (int sign in new[] { -1, 1 })
            {
                double[,] nudged =
                {
                    { m[0, 0] + sign * da, m[0, 1] - sign * db, m[0, 2] + sign * dtx },
                    { m[1, 0] + sign * db, m[1, 1] + sign * da, m[1, 2] + sign * dty },
                };
                Assert.True(SquaredError(nudged, landmarks) > best);
            }
        }
    }

    [Fact]
    public void AlignedPixelsComeFromWhereTheSimilaritySays()
    {
        using var detector = new YuNetFaceDetector(SharedData.YuNetModel);
        using Mat image = Cv2.ImRead(SharedData.LfwImage("George_W_Bush", 1), ImreadModes.Color);
        var landmarks = Assert.Single(detector.Detect(image)).Landmarks;
        double[,] m = FaceAligner.EstimateSimilarity(landmarks);

        using Mat aligned = FaceAligner.Align(image, landmarks);

        Assert.Equal((112, 112), (aligned.Width, aligned.Height));
        Assert.Equal(MatType.CV_8UC3, aligned.Type());
        // Output pixel (u, v) is the source sampled at m⁻¹(u, v); check around each template point.
        double det = m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0];
        foreach ((float tx, float ty) in FaceAligner.Template112)
        {
            int u = (int)tx, v = (int)ty;
            double du = u - m[0, 2], dv = v - m[1, 2];
            var source = new Point2f((float)((m[1, 1] * du - m[0, 1] * dv) / det), (float)((-m[1, 0] * du + m[0, 0] * dv) / det));
            using Mat sample = new();
            Cv2.GetRectSubPix(image, new Size(1, 1), source, sample);
            Vec3b expected = sample.At<Vec3b>(0, 0), actual = aligned.At<Vec3b>(v, u);
            for (int c = 0; c < 3; c++)
            {
                Assert.InRange(actual[c] - expected[c], -2, 2);
            }
        }
    }

    private static (double X, double Y) Apply(double[,] m, (float X, float Y) p) =>
        (m[0, 0] * p.X + m[0, 1] * p.Y + m[0, 2], m[1, 0] * p.X + m[1, 1] * p.Y + m[1, 2]);

    private static double Distance((double X, double Y) a, (float X, float Y) b) => Math.Sqrt(Math.Pow(a.X - b.X, 2) + Math.Pow(a.Y - b.Y, 2));

    private static double SquaredError(double[,] m, IReadOnlyList<(float X, float Y)> landmarks) =>
        Enumerable.Range(0, landmarks.Count).Sum(i => Math.Pow(Distance(Apply(m, landmarks[i]), FaceAligner.Template112[i]), 2));

    [Fact]
    public void WarpMovesAMarkedPixelToItsTemplatePosition()
    {
        // Landmarks = template shifted by (+30, +20); a white dot at the shifted nose must land on the template nose.
        var shifted = FaceAligner.Template112.Select(p => (p.X + 30, p.Y + 20)).ToArray();
        using Mat image = new(200, 200, MatType.CV_8UC3, Scalar.All(0));
        var nose = FaceAligner.Template112[2];
        image.Set((int)Math.Round(nose.Y + 20), (int)Math.Round(nose.X + 30), new Vec3b(255, 255, 255));

        using Mat aligned = FaceAligner.Align(image, shifted);

        Cv2.MinMaxLoc(aligned.ExtractChannel(0), out _, out _, out _, out Point brightest);
        Assert.Equal(((int)Math.Round(nose.X), (int)Math.Round(nose.Y)), (brightest.X, brightest.Y));
    }

    private static double[,] Round(double[,] m)
    {
        var r = new double[2, 3];
        for (int i = 0; i < 2; i++)
        {
            for (int k = 0; k < 3; k++)
            {
                r[i, k] = Math.Round(m[i, k], 5) + 0.0; // + 0.0 turns -0 into 0
            }
        }
        return r;
    }
}
