using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using OpenCvSharp;

namespace FedFace.Vision;

/// <summary>
/// Image file → largest face → aligned 112x112 → network tensor. A bad file never throws: it becomes
/// an <see cref="AlignmentResult"/> with a reason. Safe to call from several threads; do not dispose
/// while a call is running.
/// </summary>
public sealed class FaceAlignmentPipeline : IDisposable
{
    private readonly Func<IFaceDetector> _detectorFactory;
    private readonly int _degreeOfParallelism;
    // Detectors are not thread-safe: each call borrows one, so at most one per concurrent worker is made.
    private readonly ConcurrentBag<IFaceDetector> _idleDetectors = [];
    private readonly ConcurrentBag<IFaceDetector> _allDetectors = [];
    private bool _disposed;

    public FaceAlignmentPipeline(Func<IFaceDetector> detectorFactory, int degreeOfParallelism = 1)
    {
        ArgumentNullException.ThrowIfNull(detectorFactory);
        ArgumentOutOfRangeException.ThrowIfLessThan(degreeOfParallelism, 1);
        _detectorFactory = detectorFactory;
        _degreeOfParallelism = degreeOfParallelism;
    }

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

    private static AlignmentResult Process(string imagePath, IFaceDetector detector)
    {
        try
        {
            var file = new FileInfo(imagePath);
            if (!file.Exists)
            {
                return AlignmentResult.Unreadable("file not found");
            }
            if (file.Length == 0)
            {
                return AlignmentResult.Unreadable("file is empty");
            }
            // Color mode also turns grey images (ORL .pgm) into 3-channel BGR and applies EXIF orientation.
            using Mat image = Cv2.ImRead(imagePath, ImreadModes.Color);
            if (image.Empty())
            {
                return AlignmentResult.Unreadable("not a decodable image");
            }
            FaceDetection? largest = detector.Detect(image).MaxBy(face => face.Area);
            if (largest is null)
            {
                return AlignmentResult.NoFace("no face found");
            }
            using Mat aligned = FaceAligner.Align(image, largest.Landmarks);
            var pixels = new float[FaceTensor.Length];
            FaceTensor.WriteNormalizedRgbChw(aligned, pixels);
            return AlignmentResult.Aligned(pixels);
        }
        catch (Exception e) when (e is OpenCVException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            // ArgumentException covers bad path strings and degenerate landmarks; both are about this file only.
            return AlignmentResult.Unreadable($"{e.GetType().Name}: {e.Message}");
        }
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
