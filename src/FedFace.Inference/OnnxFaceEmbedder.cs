using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FedFace.Inference;

/// <summary>
/// Turns aligned faces into L2-normalised embeddings with a face-embedding network stored as ONNX, run by
/// ONNX Runtime on the CPU. A face is the tensor FedFace.Vision's <c>FaceTensor</c> writes: float32, 3x112x112,
/// R, G, B planes (CHW), values (x − 127.5) / 127.5, re-mapped to the model's own
/// <see cref="OnnxFaceEmbedderOptions.Normalization"/> when it differs. The model's input and output names and shapes are read from
/// the file and checked when it is loaded. Safe to call from several threads at once (ONNX Runtime sessions are).
/// </summary>
public sealed class OnnxFaceEmbedder : IDisposable
{
    public const int Channels = 3, FaceHeight = 112, FaceWidth = 112, InputLength = Channels * FaceHeight * FaceWidth;

    // The batch size tried at load time to find out whether a model that declares a free batch dimension really
    // takes one: exports often declare it free but reshape to a fixed [1, …] inside.
    private const int ProbeBatchSize = 2;

    private readonly SessionOptions _sessionOptions;
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly bool _fixedBatch;
    private bool _disposed;

    /// <exception cref="FileNotFoundException">no file at <paramref name="modelPath"/>.</exception>
    /// <exception cref="InvalidDataException">the file is not a loadable ONNX model, or its input or output does not fit a face embedder.</exception>
    public OnnxFaceEmbedder(string modelPath, OnnxFaceEmbedderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        Options = options ?? new OnnxFaceEmbedderOptions();
        Options.Validate();
        ModelPath = Path.GetFullPath(modelPath);
        if (!File.Exists(ModelPath))
        {
            throw new FileNotFoundException($"face-embedding model not found: {ModelPath}", ModelPath);
        }

        _sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = Options.IntraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        try
        {
            _session = new InferenceSession(ModelPath, _sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            _sessionOptions.Dispose();
            _runOptions.Dispose();
            throw new InvalidDataException($"{ModelPath} is not a loadable ONNX model: {e.Message}", e);
        }

        try
        {
            (InputName, int declaredBatch) = CheckInput(_session.InputMetadata);
            (OutputName, int declaredEmbeddingSize) = CheckOutput(_session.OutputMetadata, declaredBatch);
            _inputNames = [InputName];
            _outputNames = [OutputName];
            _fixedBatch = declaredBatch > 0;
            (FacesPerRun, EmbeddingSize) = Probe(declaredBatch);
            if (declaredEmbeddingSize > 0 && declaredEmbeddingSize != EmbeddingSize)
            {
                throw Unfit($"output '{OutputName}' declares {declaredEmbeddingSize} values per face but produced {EmbeddingSize}");
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public OnnxFaceEmbedderOptions Options { get; }

    public string ModelPath { get; }

    public string InputName { get; }

    public string OutputName { get; }

    /// <summary>Values in one embedding (128 for MobileFaceNet).</summary>
    public int EmbeddingSize { get; }

    /// <summary>
    /// Faces sent to the model per inference call: <see cref="OnnxFaceEmbedderOptions.MaxBatchSize"/> when it takes
    /// a dynamic batch, else its fixed batch size (a short last batch is padded).
    /// </summary>
    public int FacesPerRun { get; }

    public bool HasDynamicBatch => !_fixedBatch && FacesPerRun > 1;

    /// <summary>The unit-length embedding of one face.</summary>
    public float[] Embed(ReadOnlySpan<float> face)
    {
        CheckFace(face, "face");
        // One face is a batch of one: a single code path for checks, flipping, normalisation and inference.
        return EmbedMany([face.ToArray()])[0];
    }

    /// <summary>The unit-length embeddings of <paramref name="faces"/>, in order, computed in batches of <see cref="FacesPerRun"/>.</summary>
    public float[][] EmbedMany(IReadOnlyList<float[]> faces)
    {
        ArgumentNullException.ThrowIfNull(faces);
        ObjectDisposedException.ThrowIf(_disposed, this);
        for (int i = 0; i < faces.Count; i++)
        {
            CheckFace(faces[i], $"faces[{i}]");
        }

        // With flip augmentation the mirrors ride in the same batches as the faces: item n + i is face i mirrored.
        int itemCount = Options.FlipTestTimeAugmentation ? 2 * faces.Count : faces.Count;
        var raw = new float[itemCount * EmbeddingSize];
        for (int start = 0; start < itemCount; start += FacesPerRun)
        {
            int count = Math.Min(FacesPerRun, itemCount - start);
            RunBatch(count, (item, destination) =>
            {
                int face = (start + item) % faces.Count;
                if (start + item < faces.Count)
                {
                    faces[face].AsSpan().CopyTo(destination);
                }
                else
                {
                    MirrorHorizontally(faces[face], destination);
                }
            }, raw.AsSpan(start * EmbeddingSize, count * EmbeddingSize));
        }

        var embeddings = new float[faces.Count][];
        for (int i = 0; i < faces.Count; i++)
        {
            float[] embedding = raw.AsSpan(i * EmbeddingSize, EmbeddingSize).ToArray();
            if (Options.FlipTestTimeAugmentation)
            {
                TensorPrimitives.Add(embedding, raw.AsSpan((faces.Count + i) * EmbeddingSize, EmbeddingSize), embedding);
            }
            float norm = TensorPrimitives.Norm(embedding);
            if (!(norm > 0) || !float.IsFinite(norm))
            {
                throw new InvalidOperationException($"{Path.GetFileName(ModelPath)} produced an embedding of norm {norm} for face {i}; it cannot be normalised (are the pixels finite?)");
            }
            TensorPrimitives.Divide(embedding, norm, embedding);
            embeddings[i] = embedding;
        }
        return embeddings;
    }

    /// <summary>Mirrors a CHW face left to right: what the camera would have seen with the face turned the other way.</summary>
    internal static void MirrorHorizontally(ReadOnlySpan<float> face, Span<float> destination)
    {
        face.CopyTo(destination);
        for (int row = 0; row < Channels * FaceHeight; row++)
        {
            destination.Slice(row * FaceWidth, FaceWidth).Reverse();
        }
    }

    /// <summary>Runs one inference on <paramref name="count"/> faces written by <paramref name="write"/>; their raw outputs go to <paramref name="output"/>.</summary>
    private void RunBatch(int count, Action<int, Span<float>> write, Span<float> output)
    {
        // A fixed-batch model always gets its full batch: the unused tail stays zero and its outputs are dropped.
        int batch = _fixedBatch ? FacesPerRun : count;
        var input = new float[batch * InputLength];
        for (int item = 0; item < count; item++)
        {
            Span<float> face = input.AsSpan(item * InputLength, InputLength);
            write(item, face);
            Options.Normalization.ApplyTo(face, FaceHeight * FaceWidth);
        }
        using OrtValue inputValue = OrtValue.CreateTensorValueFromMemory(input, [batch, Channels, FaceHeight, FaceWidth]);
        using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(_runOptions, _inputNames, [inputValue], _outputNames);
        ReadOnlySpan<float> values = outputs[0].GetTensorDataAsSpan<float>();
        if (values.Length != batch * EmbeddingSize)
        {
            throw new InvalidOperationException($"{Path.GetFileName(ModelPath)} returned {values.Length} values for {batch} faces; expected {batch} x {EmbeddingSize}");
        }
        values[..output.Length].CopyTo(output);
    }

    /// <summary>
    /// Runs the model once on blank faces to learn how many faces one call may carry and how long an embedding is
    /// (the file may leave both symbolic). A free batch dimension that does not really work falls back to one face per call.
    /// </summary>
    private (int FacesPerRun, int EmbeddingSize) Probe(int declaredBatch)
    {
        if (declaredBatch > 0)
        {
            return (declaredBatch, RunBlank(declaredBatch) ?? throw Unfit($"it does not run on a blank batch of {declaredBatch} faces"));
        }
        if (Options.MaxBatchSize > 1 && RunBlank(ProbeBatchSize) is int size)
        {
            return (Options.MaxBatchSize, size);
        }
        return (1, RunBlank(1) ?? throw Unfit($"it does not run on one blank [1,{Channels},{FaceHeight},{FaceWidth}] face"));

        // Values per face, or null when the model failed or returned a batch of another size.
        int? RunBlank(int batch)
        {
            try
            {
                using OrtValue input = OrtValue.CreateTensorValueFromMemory(new float[batch * InputLength], [batch, Channels, FaceHeight, FaceWidth]);
                using IDisposableReadOnlyCollection<OrtValue> outputs = _session.Run(_runOptions, _inputNames, [input], _outputNames);
                long[] shape = outputs[0].GetTensorTypeAndShape().Shape;
                long perFace = shape.Skip(1).Aggregate(1L, (a, b) => a * b);
                return shape.Length >= 2 && shape[0] == batch && perFace is > 0 and <= int.MaxValue ? (int)perFace : null;
            }
            catch (OnnxRuntimeException)
            {
                return null;
            }
        }
    }

    /// <summary>The single float input [batch, 3, 112, 112]; returns its name and its batch size (−1 when free).</summary>
    private (string Name, int Batch) CheckInput(IReadOnlyDictionary<string, NodeMetadata> inputs)
    {
        if (inputs.Count != 1)
        {
            throw Unfit($"it has {inputs.Count} inputs ({string.Join(", ", inputs.Keys)}); a face embedder takes exactly one, the face tensor");
        }
        (string name, NodeMetadata input) = inputs.Single();
        if (!input.IsTensor || input.ElementDataType != TensorElementType.Float)
        {
            throw Unfit($"input '{name}' is {Describe(input)}; expected a float32 tensor");
        }
        int[] dims = input.Dimensions;
        int[] expected = [-1, Channels, FaceHeight, FaceWidth];
        // A free (symbolic) dimension accepts our size; a fixed one must equal it.
        bool fits = dims.Length == expected.Length && dims.Skip(1).Zip(expected.Skip(1)).All(d => d.First < 0 || d.First == d.Second);
        if (!fits)
        {
            throw Unfit($"input '{name}' has shape {Shape(dims)}; expected [N,{Channels},{FaceHeight},{FaceWidth}] (a batch of aligned 112x112 RGB faces)");
        }
        return (name, dims[0]);
    }

    /// <summary>The first output, a float tensor [batch, …]; returns its name and its declared values per face (−1 when not all fixed).</summary>
    private (string Name, int EmbeddingSize) CheckOutput(IReadOnlyDictionary<string, NodeMetadata> outputs, int inputBatch)
    {
        if (outputs.Count == 0)
        {
            throw Unfit("it has no outputs");
        }
        // Models that return extra tensors (features, logits) put the embedding first by convention.
        (string name, NodeMetadata output) = outputs.First();
        if (!output.IsTensor || output.ElementDataType != TensorElementType.Float)
        {
            throw Unfit($"output '{name}' is {Describe(output)}; expected a float32 tensor");
        }
        int[] dims = output.Dimensions;
        if (dims.Length < 2 || (dims[0] > 0 && inputBatch > 0 && dims[0] != inputBatch))
        {
            throw Unfit($"output '{name}' has shape {Shape(dims)}; expected [N,D] (one embedding per face of the input's batch)");
        }
        int[] perFace = dims[1..];
        if (perFace.Any(d => d == 0))
        {
            throw Unfit($"output '{name}' has shape {Shape(dims)}: an embedding cannot be empty");
        }
        return (name, perFace.All(d => d > 0) ? perFace.Aggregate(1, (a, b) => a * b) : -1);
    }

    private InvalidDataException Unfit(string problem) =>
        new($"{ModelPath} does not look like a face-embedding model: {problem}");

    private static string Shape(int[] dims) => $"[{string.Join(",", dims.Select(d => d < 0 ? "?" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]";

    private static string Describe(NodeMetadata node) =>
        node.IsTensor ? $"a {node.ElementDataType} tensor" : $"a {node.OnnxValueType}";

    private static void CheckFace(ReadOnlySpan<float> face, string name)
    {
        if (face.Length != InputLength)
        {
            throw new ArgumentException($"{name} has {face.Length} values; a face tensor has {Channels}x{FaceHeight}x{FaceWidth} = {InputLength}", name);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _session?.Dispose();
        _runOptions.Dispose();
        _sessionOptions.Dispose();
    }
}
