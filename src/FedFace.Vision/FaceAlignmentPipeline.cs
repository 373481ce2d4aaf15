using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using OpenCvSharp;

namespace FedFace.Vision;

/// <summary>
/// Image file → header check → decode → detect → choose a face → align → quality gate. A bad file never
/// throws: it becomes an <see cref="AlignmentResult"/> with a named reason. With an
/// <see cref="AlignedFaceCache"/>, images seen before (by content) skip decoding and detection entirely.
/// Safe to call from several threads; do not dispose while a call is running.
/// </summary>
public sealed class FaceAlignmentPipeline : IDisposable
{
    private readonly Func<IFaceDetector> _detectorFactory;
    private readonly FacePipelineSettings _settings;
    private readonly AlignedFaceCache? _cache;
    private readonly int _degreeOfParallelism;
    // Detectors are not thread-safe: each call borrows one, so at most one per concurrent worker is made.
    private readonly ConcurrentBag<IFaceDetector> _idleDetectors = [];
    private readonly ConcurrentBag<IFaceDetector> _allDetectors = [];
    private bool _disposed;

    /// <summary>Largest face of any size, no quality gate, no cache (<see cref="FacePipelineSettings.Ungated"/>).</summary>
    public FaceAlignmentPipeline(Func<IFaceDetector> detectorFactory, int degreeOfParallelism = 1)
        : this(detectorFactory, FacePipelineSettings.Ungated, cache: null, degreeOfParallelism)
    {
    }

    /// <param name="detectorFactory">makes one detector per concurrent worker.</param>
    /// <param name="settings">face choice, crop size and quality gate.</param>
    /// <param name="cache">
    /// where aligned crops are kept between runs; it must have been opened for this detector and these
    /// settings (<see cref="Create"/> does that).
    /// </param>
    /// <param name="degreeOfParallelism">workers used by <see cref="ProcessMany"/>.</param>
    public FaceAlignmentPipeline(Func<IFaceDetector> detectorFactory, FacePipelineSettings settings, AlignedFaceCache? cache = null, int degreeOfParallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(detectorFactory);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(degreeOfParallelism, 1);
        OpenCvNative.EnsureLoaded();
        IReadOnlyList<string> problems = settings.Problems();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(settings));
        }
        _detectorFactory = detectorFactory;
        _settings = settings;
        _cache = cache;
        _degreeOfParallelism = degreeOfParallelism;
    }

    /// <summary>
    /// A pipeline with detectors made from <paramref name="detector"/> and, when
    /// <paramref name="cacheDirectory"/> is given, a cache opened under it for exactly these settings.
    /// </summary>
    /// <exception cref="ArgumentException">when the detector options or settings have problems (all are named).</exception>
    public static FaceAlignmentPipeline Create(DetectorOptions detector, FacePipelineSettings settings, string? cacheDirectory = null, int degreeOfParallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(settings);
        IReadOnlyList<string> problems = [.. detector.Problems(), .. settings.Problems()];
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems), nameof(detector));
        }
        AlignedFaceCache? cache = string.IsNullOrWhiteSpace(cacheDirectory)
            ? null
            : new AlignedFaceCache(cacheDirectory, settings.CacheFingerprint(detector.Fingerprint()));
        return new FaceAlignmentPipeline(() => FaceDetectorFactory.Create(detector), settings, cache, degreeOfParallelism);
    }

    public FacePipelineSettings Settings => _settings;

    /// <summary>The cache in use, if any (its counters tell of damaged entries and failed writes).</summary>
    public AlignedFaceCache? Cache => _cache;

    public AlignmentResult Process(string imagePath)
    {
        ArgumentNullException.ThrowIfNull(imagePath);
        ObjectDisposedException.ThrowIf(_disposed, this);
        IFaceDetector detector = RentDetector();
        try
        {
            return Process(imagePath, detector);
        }
        finally
        {
            _idleDetectors.Add(detector);
        }
    }

    /// <summary>
    /// Processes <paramref name="imagePaths"/> on the configured number of workers. Results keep input
    /// order; <paramref name="progress"/> receives the number of images done so far (from worker threads,
    /// so a <see cref="Progress{T}"/> may deliver them slightly out of order).
    /// </summary>
    /// <exception cref="OperationCanceledException">when <paramref name="cancellationToken"/> is cancelled.</exception>
    public AlignedFaceBatch ProcessMany(IReadOnlyList<string> imagePaths, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(imagePaths);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var results = new AlignmentResult[imagePaths.Count];
        int next = -1, done = 0;
        // Cancelled by the caller or by a worker that failed, so the others stop early too.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        void Work()
        {
            IFaceDetector detector = RentDetector();
            try
            {
                // Workers pull the next index, so a slow image does not hold up a fixed share of the list.
                for (int i = Interlocked.Increment(ref next); i < results.Length && !stop.IsCancellationRequested; i = Interlocked.Increment(ref next))
                {
                    results[i] = Process(imagePaths[i], detector);
                    progress?.Report(Interlocked.Increment(ref done));
                }
            }
            catch
            {
                stop.Cancel();
                throw;
            }
            finally
            {
                _idleDetectors.Add(detector);
            }
        }

        int workers = Math.Min(_degreeOfParallelism, results.Length);
        Task[] tasks = [.. Enumerable.Range(0, workers).Select(_ =>
            Task.Factory.StartNew(Work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))];
        try
        {
            Task.WaitAll(tasks);
        }
        catch (AggregateException e)
        {
            // Only a bug (not a bad file) gets here; surface it as itself rather than wrapped.
            ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
        cancellationToken.ThrowIfCancellationRequested();
        return new AlignedFaceBatch(results);
    }

    private AlignmentResult Process(string imagePath, IFaceDetector detector)
    {
        byte[] bytes;
        try
        {
            var file = new FileInfo(imagePath);
            if (!file.Exists)
            {
                return AlignmentResult.UnreadableFile(UnreadableReason.FileNotFound, "file not found");
            }
            if (file.Length > ImageFileInspector.MaxFileBytes)
            {
                return AlignmentResult.UnreadableFile(UnreadableReason.FileTooLarge, $"file is {file.Length / (1 << 20)} MiB (limit {ImageFileInspector.MaxFileBytes / (1 << 20)} MiB)");
            }
            bytes = File.ReadAllBytes(imagePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            // ArgumentException/NotSupportedException: a path string the OS cannot use; about this file only.
            return AlignmentResult.UnreadableFile(UnreadableReason.ReadFailed, $"{e.GetType().Name}: {e.Message}");
        }

        ImageFileInfo header = ImageFileInspector.Inspect(bytes);
        if (header.Problem is UnreadableReason problem)
        {
            return AlignmentResult.UnreadableFile(problem, header.Detail!);
        }
        byte[]? contentHash = _cache is null ? null : AlignedFaceCache.ContentHash(bytes);
        if (contentHash is not null && _cache!.TryRead(contentHash) is DetectionOutcome cached)
        {
            return Judge(cached, fromCache: true);
        }

        DecodedImage decoded = ImageDecoding.Decode(bytes, header);
        if (decoded.Image is not { } image)
        {
            return AlignmentResult.UnreadableFile(decoded.Problem!.Value, decoded.Detail!);
        }
        string format = ImageFileInspector.DisplayName(header.Format.GetValueOrDefault());
        DetectionOutcome outcome;
        using (image)
        {
            try
            {
                outcome = Detect(image, detector);
            }
            catch (OpenCVException e)
            {
                // OpenCV refusing this one image (an odd size or layout) must not end the whole run.
                return AlignmentResult.UnreadableFile(UnreadableReason.DetectionFailed, $"OpenCV failed on this {image.Width}x{image.Height} {format}: {e.Message}");
            }
        }
        if (contentHash is not null)
        {
            _cache!.Write(contentHash, outcome);
        }
        return Judge(outcome, fromCache: false);
    }

    private DetectionOutcome Detect(Mat image, IFaceDetector detector)
    {
        // A face whose landmarks cannot define a similarity (non-finite, eyes on one spot) cannot be aligned.
        FaceDetection[] usable = [.. detector.Detect(image).Where(f =>
            f.Landmarks.All(p => float.IsFinite(p.X) && float.IsFinite(p.Y))
            && Math.Abs(f.Landmarks[1].X - f.Landmarks[0].X) + Math.Abs(f.Landmarks[1].Y - f.Landmarks[0].Y) >= 1)];
        IReadOnlyList<FaceSelection> ranked = FaceSelector.Rank(usable, image.Width, image.Height, _settings.Policy, _settings.MinFaceSidePixels);
        DetectionOutcome? first = null;
        // The policy's first face that is not cut off at the image edge: in a group photo the largest face may be
        // someone half outside the frame. When every face is cut off, the policy's first (then refused as cut off).
        foreach (FaceSelection candidate in ranked)
        {
            var outcome = new DetectionOutcome(AlignFace(image, candidate.Face), candidate.TooSmall);
            if (!_settings.Quality.IsCutOff(FaceQuality.InsideFraction(outcome.Face!, _settings.Template)))
            {
                return outcome;
            }
            first ??= outcome;
        }
        return first ?? DetectionOutcome.NoFace;
    }

    private AlignedFace AlignFace(Mat image, FaceDetection face)
    {
        using Mat aligned = FaceAligner.Align(image, face.Landmarks, _settings.Template);
        return AlignedFace.FromMat(aligned, face, FaceQuality.Measure(face, aligned, _settings.Template));
    }

    private AlignmentResult Judge(DetectionOutcome outcome, bool fromCache)
    {
        if (outcome.Face is not AlignedFace face)
        {
            return AlignmentResult.NoFace(fromCache);
        }
        QualityOptions quality = _settings.Quality;
        float insideFraction = FaceQuality.InsideFraction(face, _settings.Template);
        RejectionReason? reason = outcome.TooSmall ? RejectionReason.TooSmall : quality.Judge(face.Measures, insideFraction);
        return reason is RejectionReason rejection
            ? AlignmentResult.Rejected(face, rejection, quality.Explain(rejection, face.Measures, _settings.MinFaceSidePixels, insideFraction), fromCache)
            : AlignmentResult.Aligned(face, fromCache);
    }

    private IFaceDetector RentDetector()
    {
        if (_idleDetectors.TryTake(out IFaceDetector? detector))
        {
            return detector;
        }
        detector = _detectorFactory();
        _allDetectors.Add(detector);
        return detector;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (IFaceDetector detector in _allDetectors)
        {
            detector.Dispose();
        }
    }
}
