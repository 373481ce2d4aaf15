using FedFace.DevelopmentData;
using FedFace.Vision;
using OpenCvSharp;

namespace FedFace.Vision.Tests;

/// <summary>Writes the bad files each test needs into its own temporary folder.</summary>
public sealed class FaceAlignmentPipelineTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fedface-vision-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static FaceAlignmentPipeline NewPipeline(int degreeOfParallelism = 1) =>
        new(() => new YuNetFaceDetector(SharedData.YuNetModel), degreeOfParallelism);

    private string BlankImage()
    {
        string path = Path.Combine(_folder, "blank.png");
        using Mat grey = new(160, 160, MatType.CV_8UC3, Scalar.All(128));
        Assert.True(Cv2.ImWrite(path, grey));
        return path;
    }

    private string EmptyFile()
    {
        string path = Path.Combine(_folder, "empty.jpg");
        File.WriteAllBytes(path, []);
        return path;
    }

    private string TextFile()
    {
        string path = Path.Combine(_folder, "notes.jpg");
        File.WriteAllText(path, "this is not a JPEG");
        return path;
    }

    [Fact]
    public void AlignsAnLfwImageToANormalizedTensor()
    {
        using var pipeline = NewPipeline();

        AlignmentResult result = pipeline.Process(SharedData.LfwImage("Aaron_Peirsol", 1));

        Assert.Equal(AlignmentOutcome.Aligned, result.Outcome);
        Assert.Null(result.Reason);
        float[] pixels = result.ToTensor();
        Assert.Equal(FaceTensor.Length, pixels.Length);
        Assert.All(pixels, v => Assert.InRange(v, -1f, 1f));
        Assert.True(pixels.Max() - pixels.Min() > 1, "an aligned face should not be flat");
    }

    [Fact]
    public void AlignsAGreyOrlImage()
    {
        using var pipeline = NewPipeline();

        AlignmentResult result = pipeline.Process(Path.Combine(SharedData.OrlDirectory, "s1", "1.pgm"));

        Assert.Equal(AlignmentOutcome.Aligned, result.Outcome);
        // Grey in, so the three planes are equal.
        const int plane = FaceTensor.Height * FaceTensor.Width;
        float[] pixels = result.ToTensor();
        Assert.Equal(pixels.AsSpan(0, plane).ToArray(), pixels.AsSpan(plane, plane).ToArray());
    }

    [Fact]
    public void TakesTheLargestOfSeveralFaces()
    {
        // A small copy of one face pasted next to a large copy of another: the large one must win.
        using Mat big = Cv2.ImRead(SharedData.LfwImage("George_W_Bush", 1), ImreadModes.Color);
        using Mat small = new();
        using (Mat other = Cv2.ImRead(SharedData.LfwImage("Aaron_Peirsol", 1), ImreadModes.Color))
        {
            Cv2.Resize(other, small, new Size(150, 150));
        }
        using Mat canvas = new(250, 400, MatType.CV_8UC3, Scalar.All(0));
        using (Mat left = new(canvas, new Rect(0, 0, 250, 250))) { big.CopyTo(left); }
        using (Mat right = new(canvas, new Rect(250, 50, 150, 150))) { small.CopyTo(right); }
        string both = Path.Combine(_folder, "both.png");
        Cv2.ImWrite(both, canvas);
        using var pipeline = NewPipeline();

        float[] fromBoth = pipeline.Process(both).ToTensor();
        float[] fromBigAlone = pipeline.Process(SharedData.LfwImage("George_W_Bush", 1)).ToTensor();

        using var detector = new YuNetFaceDetector(SharedData.YuNetModel);
        Assert.Equal(2, detector.Detect(canvas).Count);
        double meanDifference = fromBoth.Zip(fromBigAlone, (a, b) => Math.Abs(a - b)).Average();
        Assert.True(meanDifference < 0.05, $"mean difference {meanDifference:F3} to the big face alone");
    }

    [Fact]
    public void BlankImageHasNoFace()
    {
        using var pipeline = NewPipeline();

        AlignmentResult result = pipeline.Process(BlankImage());

        Assert.Equal((AlignmentOutcome.NoFace, "no face found"), (result.Outcome, result.Reason));
        Assert.Null(result.Face);
    }

    [Fact]
    public void EmptyTextAndMissingFilesAreUnreadableWithAReason()
    {
        using var pipeline = NewPipeline();

        Assert.Equal((AlignmentOutcome.Unreadable, UnreadableReason.EmptyFile, "file is empty"), Summary(pipeline.Process(EmptyFile())));
        Assert.Equal(UnreadableReason.NotAnImage, pipeline.Process(TextFile()).Unreadable);
        Assert.Equal((AlignmentOutcome.Unreadable, UnreadableReason.FileNotFound, "file not found"), Summary(pipeline.Process(Path.Combine(_folder, "gone.jpg"))));
        Assert.Equal(UnreadableReason.ReadFailed, pipeline.Process("").Unreadable);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ProcessManyGoesPastBadFilesAndKeepsOrder(int degreeOfParallelism)
    {
        string[] paths =
        [
            SharedData.LfwImage("Aaron_Peirsol", 1),
            EmptyFile(),
            SharedData.LfwImage("George_W_Bush", 1),
            BlankImage(),
            TextFile(),
            Path.Combine(SharedData.OrlDirectory, "s2", "1.pgm"),
            SharedData.LfwImage("Aaron_Peirsol", 2),
        ];
        int factoryCalls = 0;
        using var pipeline = new FaceAlignmentPipeline(() =>
        {
            Interlocked.Increment(ref factoryCalls);
            return new YuNetFaceDetector(SharedData.YuNetModel);
        }, degreeOfParallelism);
        var reported = new List<int>();
        var progress = new SynchronousProgress(reported);

        AlignedFaceBatch batch = pipeline.ProcessMany(paths, progress);

        Assert.Equal(
            [AlignmentOutcome.Aligned, AlignmentOutcome.Unreadable, AlignmentOutcome.Aligned, AlignmentOutcome.NoFace,
             AlignmentOutcome.Unreadable, AlignmentOutcome.Aligned, AlignmentOutcome.Aligned],
            batch.Results.Select(r => r.Outcome));
        Assert.Equal((4, 1, 2), (batch.AlignedCount, batch.NoFaceCount, batch.UnreadableCount));
        Assert.Equal(UnreadableReason.EmptyFile, batch.Results[1].Unreadable);
        Assert.Equal(UnreadableReason.NotAnImage, batch.Results[4].Unreadable);
        Assert.Equal(new Dictionary<UnreadableReason, int> { [UnreadableReason.EmptyFile] = 1, [UnreadableReason.NotAnImage] = 1 }, batch.UnreadableBy);
        // Same input, same output, whatever worker handled it.
        Assert.Equal(pipeline.Process(paths[2]).ToTensor(), batch.Results[2].ToTensor());
        Assert.Equal(Enumerable.Range(1, paths.Length), reported.Order());
        Assert.InRange(factoryCalls, 1, degreeOfParallelism);
    }

    [Fact]
    public void ProcessManyReusesDetectorsAcrossCalls()
    {
        int factoryCalls = 0;
        using var pipeline = new FaceAlignmentPipeline(() =>
        {
            Interlocked.Increment(ref factoryCalls);
            return new YuNetFaceDetector(SharedData.YuNetModel);
        }, degreeOfParallelism: 2);
        string[] paths = [.. Enumerable.Range(1, 4).Select(i => SharedData.LfwImage("George_W_Bush", i))];

        pipeline.ProcessMany(paths);
        pipeline.ProcessMany(paths);

        Assert.InRange(factoryCalls, 1, 2);
    }

    [Fact]
    public void ProcessManyOfNothingIsEmpty()
    {
        using var pipeline = NewPipeline(2);

        AlignedFaceBatch batch = pipeline.ProcessMany([]);

        Assert.Empty(batch.Results);
        Assert.Equal((0, 0, 0), (batch.AlignedCount, batch.NoFaceCount, batch.UnreadableCount));
    }

    [Fact]
    public void ProcessManyStopsWhenCancelled()
    {
        using var pipeline = NewPipeline(2);
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.Throws<OperationCanceledException>(() =>
            pipeline.ProcessMany([SharedData.LfwImage("Aaron_Peirsol", 1)], cancellationToken: cancellation.Token));
    }

    [Fact]
    public void ADetectorBugIsNotMistakenForABadFile()
    {
        using var pipeline = new FaceAlignmentPipeline(() => new ThrowingDetector(), degreeOfParallelism: 2);

        Assert.Throws<InvalidOperationException>(() =>
            pipeline.ProcessMany([SharedData.LfwImage("Aaron_Peirsol", 1), SharedData.LfwImage("George_W_Bush", 1)]));
    }

    private static (AlignmentOutcome, UnreadableReason?, string?) Summary(AlignmentResult r) => (r.Outcome, r.Unreadable, r.Reason);

    /// <summary><see cref="Progress{T}"/> posts to the thread pool; tests want every report before the call returns.</summary>
    private sealed class SynchronousProgress(List<int> reported) : IProgress<int>
    {
        public void Report(int value)
        {
            lock (reported)
            {
                reported.Add(value);
            }
        }
    }

    private sealed class ThrowingDetector : IFaceDetector
    {
        public IReadOnlyList<FaceDetection> Detect(Mat bgrImage) => throw new InvalidOperationException("detector bug");
        public void Dispose() { }
    }
}
