using FedFace.DevelopmentData;
using OpenCvSharp;

namespace FedFace.Vision.Tests;

/// <summary>
/// A messy site folder, built per test in a temporary folder: real faces (LFW, ORL) next to every kind of
/// bad file, run through the pipeline with an on-disk cache.
/// </summary>
public sealed class SiteAlignmentTests : IDisposable
{
    private readonly TempFolder _site = new();
    private readonly TempFolder _cacheRoot = new();
    private readonly DetectorOptions _yunet = new() { YuNetModelPath = SharedData.YuNetModel };
    private readonly FacePipelineSettings _settings = new();
    private int _detectorCalls;

    public void Dispose()
    {
        _site.Dispose();
        _cacheRoot.Dispose();
    }

    private AlignedFaceCache OpenCache(FacePipelineSettings settings) =>
        new(_cacheRoot.Path, settings.CacheFingerprint(_yunet.Fingerprint()));

    private FaceAlignmentPipeline CountingPipeline(FacePipelineSettings settings, int degreeOfParallelism = 2) =>
        new(() => new CountingDetector(FaceDetectorFactory.Create(_yunet), () => Interlocked.Increment(ref _detectorCalls)),
            settings, OpenCache(settings), degreeOfParallelism);

    private void WriteGoodPhotos()
    {
        _site.CopyOf("Aaron_Peirsol/1.jpg", SharedData.LfwImage("Aaron_Peirsol", 1));
        _site.CopyOf("Aaron_Peirsol/2.jpg", SharedData.LfwImage("Aaron_Peirsol", 2));
        _site.CopyOf("George_W_Bush/1.jpg", SharedData.LfwImage("George_W_Bush", 1));
        _site.CopyOf("orl-s1/1.pgm", Path.Combine(SharedData.OrlDirectory, "s1", "1.pgm"));
        using Mat blank = new(160, 160, MatType.CV_8UC3, Scalar.All(128));
        _site.Image("orl-s1/blank.png", blank);
    }

    private void WriteBadFiles()
    {
        _site.File("bad/empty.jpg", []);
        _site.File("bad/truncated.jpg", TestImages.TruncatedJpeg());
        _site.File("bad/notes.jpg", "this is not a JPEG"u8.ToArray());
        _site.File("bad/huge-header.png", TestImages.PngHeaderOnly(10_000, 5_000));
        _site.File("bad/huge-header.jpg", TestImages.JpegHeaderOnly(10_000, 5_000));
        _site.File("bad/garbage-data.png", TestImages.PngWithGarbageData());
    }

    [Fact]
    public void EveryBadFileKindGetsItsReasonAndTheRunGoesOn()
    {
        WriteGoodPhotos();
        WriteBadFiles();
        SiteDataset dataset = SiteDataset.Scan(_site.Path);
        using FaceAlignmentPipeline pipeline = CountingPipeline(_settings);

        AlignedFaceBatch batch = pipeline.ProcessMany([.. dataset.Images.Select(i => i.Path)]);

        var byFile = dataset.Images.Select((image, i) => (Path.GetRelativePath(_site.Path, image.Path), batch.Results[i])).ToDictionary();
        Assert.Equal(UnreadableReason.EmptyFile, byFile["bad/empty.jpg"].Unreadable);
        Assert.Equal(UnreadableReason.Truncated, byFile["bad/truncated.jpg"].Unreadable);
        Assert.Equal(UnreadableReason.NotAnImage, byFile["bad/notes.jpg"].Unreadable);
        Assert.Equal(UnreadableReason.TooManyPixels, byFile["bad/huge-header.png"].Unreadable);
        Assert.Equal(UnreadableReason.TooManyPixels, byFile["bad/huge-header.jpg"].Unreadable);
        Assert.Contains("10000x5000", byFile["bad/huge-header.png"].Reason);
        Assert.Equal(UnreadableReason.NotDecodable, byFile["bad/garbage-data.png"].Unreadable);
        Assert.Equal(AlignmentOutcome.NoFace, byFile["orl-s1/blank.png"].Outcome);
        Assert.Equal((4, 1, 6), (batch.AlignedCount, batch.NoFaceCount, batch.UnreadableCount));
        // Only the five decodable images reached the detector.
        Assert.Equal(5, _detectorCalls);
    }

    [Fact]
    public void AValidButHugeImageIsRefusedWithoutBeingDecoded()
    {
        // A real, decodable 10000x5000 PNG (all black, ~50 kB): decoding would need 150 MB; the header check
        // refuses it first, so the detector never sees it and the reason is the pixel count, not a decode failure.
        string path = _site.File("big/huge.png", TestImages.ValidBlankPng(10_000, 5_000));
        Assert.True(new FileInfo(path).Length < 200_000);
        using FaceAlignmentPipeline pipeline = CountingPipeline(_settings);

        AlignmentResult result = pipeline.Process(path);

        Assert.Equal(UnreadableReason.TooManyPixels, result.Unreadable);
        Assert.Equal(0, _detectorCalls);
    }

    [Fact]
    public void TheSecondRunIsServedFromTheCacheWithoutDetection()
    {
        WriteGoodPhotos();
        string[] paths = [.. SiteDataset.Scan(_site.Path).Images.Select(i => i.Path)];
        AlignedFaceBatch first, second;
        using (FaceAlignmentPipeline pipeline = CountingPipeline(_settings))
        {
            first = pipeline.ProcessMany(paths);
        }
        int callsOnFirstRun = _detectorCalls;

        using (FaceAlignmentPipeline pipeline = CountingPipeline(_settings))
        {
            second = pipeline.ProcessMany(paths);
        }

        Assert.Equal(paths.Length, callsOnFirstRun);
        Assert.Equal(callsOnFirstRun, _detectorCalls); // no detector call on the second run
        Assert.Equal((0, paths.Length), (first.CacheHits, second.CacheHits));
        Assert.Equal(first.Results.Select(r => r.Outcome), second.Results.Select(r => r.Outcome));
        for (int i = 0; i < paths.Length; i++)
        {
            Assert.Equal(first.Results[i].Face?.Bgr, second.Results[i].Face?.Bgr);
            Assert.Equal(first.Results[i].Face?.Measures, second.Results[i].Face?.Measures);
            Assert.Equal(first.Results[i].Face?.Detection.Landmarks, second.Results[i].Face?.Detection.Landmarks);
        }
    }

    [Fact]
    public void ACopiedPhotoIsAHitAndOtherSettingsAreAMiss()
    {
        string original = _site.CopyOf("a/1.jpg", SharedData.LfwImage("George_W_Bush", 1));
        string copy = _site.CopyOf("b/renamed.jpg", original);
        using (FaceAlignmentPipeline pipeline = CountingPipeline(_settings))
        {
            pipeline.Process(original);
            Assert.True(pipeline.Process(copy).FromCache);
        }
        FacePipelineSettings bigger = _settings with { Template = AlignmentTemplate.Square160 };
        using (FaceAlignmentPipeline pipeline = CountingPipeline(bigger))
        {
            AlignmentResult result = pipeline.Process(original);
            Assert.False(result.FromCache);
            Assert.Equal((160, 160), (result.Face!.Width, result.Face.Height));
        }
        Assert.Equal(2, _detectorCalls);
    }

    [Fact]
    public void ChangingAQualityThresholdNeedsNoNewDetection()
    {
        string path = _site.CopyOf("a/1.jpg", SharedData.LfwImage("George_W_Bush", 1));
        using (FaceAlignmentPipeline pipeline = CountingPipeline(_settings))
        {
            Assert.Equal(AlignmentOutcome.Aligned, pipeline.Process(path).Outcome);
        }
        FacePipelineSettings strict = _settings with { Quality = _settings.Quality with { MinSharpness = 1e6f } };

        using FaceAlignmentPipeline strictPipeline = CountingPipeline(strict);
        AlignmentResult result = strictPipeline.Process(path);

        Assert.Equal((RejectionReason.TooBlurred, true), (result.Rejection, result.FromCache));
        Assert.Equal(1, _detectorCalls);
    }

    [Theory]
    [InlineData("cut in half")]
    [InlineData("one byte flipped in the magic")]
    [InlineData("end marker missing")]
    [InlineData("empty")]
    [InlineData("another image's entry")]
    public void ADamagedCacheEntryIsIgnoredAndRecomputed(string damage)
    {
        string path = _site.CopyOf("a/1.jpg", SharedData.LfwImage("George_W_Bush", 1));
        string other = _site.CopyOf("a/2.jpg", SharedData.LfwImage("Aaron_Peirsol", 1));
        AlignedFaceCache cache = OpenCache(_settings);
        string entry = cache.EntryPath(AlignedFaceCache.ContentHash(File.ReadAllBytes(path)));
        byte[] expected;
        using (FaceAlignmentPipeline pipeline = CountingPipeline(_settings))
        {
            expected = pipeline.Process(path).Face!.Bgr;
            pipeline.Process(other);
        }
        byte[] stored = File.ReadAllBytes(entry);
        byte[] damaged = damage switch
        {
            "cut in half" => stored[..(stored.Length / 2)],
            "one byte flipped in the magic" => [(byte)(stored[0] ^ 0xFF), .. stored[1..]],
            "end marker missing" => stored[..^4],
            "empty" => [],
            _ => File.ReadAllBytes(cache.EntryPath(AlignedFaceCache.ContentHash(File.ReadAllBytes(other)))),
        };
        File.WriteAllBytes(entry, damaged);
        // A crash mid-write leaves only a temporary file next to the entry; it must never be read.
        File.WriteAllBytes(entry + ".0123.tmp", stored[..10]);

        using FaceAlignmentPipeline again = CountingPipeline(_settings);
        AlignmentResult result = again.Process(path);

        Assert.False(result.FromCache);
        Assert.Equal(expected, result.Face!.Bgr);
        Assert.Equal(3, _detectorCalls);
        Assert.Equal(1, again.Cache!.CorruptEntries);
        Assert.Equal(stored, File.ReadAllBytes(entry)); // rewritten whole
        Assert.True(again.Process(path).FromCache);
    }

    [Fact]
    public void EntriesAreCompactBgrBytes()
    {
        string path = _site.CopyOf("a/1.jpg", SharedData.LfwImage("George_W_Bush", 1));
        using FaceAlignmentPipeline pipeline = CountingPipeline(_settings);

        pipeline.Process(path);

        string entry = pipeline.Cache!.EntryPath(AlignedFaceCache.ContentHash(File.ReadAllBytes(path)));
        Assert.InRange(new FileInfo(entry).Length, 112 * 112 * 3, 112 * 112 * 3 + 200);
        Assert.Contains("template=112", File.ReadAllText(Path.Combine(pipeline.Cache.Directory, "settings.txt")));
    }

    [Fact]
    public void CreateBuildsTheDetectorAndCacheFromOptions()
    {
        string path = _site.CopyOf("a/1.jpg", SharedData.LfwImage("George_W_Bush", 1));
        using (FaceAlignmentPipeline pipeline = FaceAlignmentPipeline.Create(_yunet, _settings, _cacheRoot.Path))
        {
            Assert.Equal(AlignmentOutcome.Aligned, pipeline.Process(path).Outcome);
        }
        using (FaceAlignmentPipeline pipeline = FaceAlignmentPipeline.Create(_yunet, _settings, _cacheRoot.Path))
        {
            Assert.True(pipeline.Process(path).FromCache);
        }
        var haar = new DetectorOptions { Kind = DetectorKind.Haar };
        using (FaceAlignmentPipeline pipeline = FaceAlignmentPipeline.Create(haar, _settings, _cacheRoot.Path))
        {
            AlignmentResult result = pipeline.Process(path);
            Assert.False(result.FromCache); // another detector, another cache folder
            Assert.Equal(AlignmentOutcome.Aligned, result.Outcome);
        }
        Assert.Throws<ArgumentException>(() => FaceAlignmentPipeline.Create(new DetectorOptions { YuNetModelPath = "/none.onnx" }, _settings));
    }

    /// <summary>Counts detections, to prove when none happen.</summary>
    private sealed class CountingDetector(IFaceDetector inner, Action onDetect) : IFaceDetector
    {
        public IReadOnlyList<FaceDetection> Detect(Mat bgrImage)
        {
            onDetect();
            return inner.Detect(bgrImage);
        }

        public void Dispose() => inner.Dispose();
    }
}
