using static TorchSharp.torch;

namespace FedFace.Learning.Backbones;

/// <summary>
/// A face-embedding network: an aligned 3x112x112 face in, an embedding of <see cref="EmbeddingSize"/> floats out (not
/// normalised here; the ArcFace head and the embedder normalise). Forward passes do not dispose their intermediates:
/// callers run them inside <c>torch.NewDisposeScope()</c>.
/// </summary>
public abstract class FaceBackbone : nn.Module<Tensor, Tensor>
{
    /// <summary>Side of the aligned face every backbone takes (the ArcFace template).</summary>
    public const int InputSize = 112;

    protected FaceBackbone(string name) : base(name)
    {
        NativeMemory.LimitArenas();
    }

    public abstract BackboneArchitecture Architecture { get; }

    public int EmbeddingSize => Architecture.EmbeddingSize;

    /// <summary>Parameters the architecture never trains (they stay in the state, with a zero delta).</summary>
    internal virtual IReadOnlySet<string> FixedParameters { get; } = new HashSet<string>();

    /// <summary>
    /// The forward pass as steps over the state's tensors, for exporting BatchNorm-folded graphs (ONNX). It restates
    /// forward(); the ONNX parity tests fail if the two ever disagree.
    /// </summary>
    internal abstract IEnumerable<InferenceStep> InferenceSteps();
}
