"""Infer stage: the OWL-RL closure (owlrl) of ontology and curated data.

Inference runs on a copy, never on the input; only the triples the closure
adds are returned, for their own named graph. Bookkeeping triples that say
nothing about nekg's resources (literal subjects, x owl:sameAs x, statements
about the RDF, RDFS, OWL and XSD vocabularies themselves) are left out.
Inconsistencies that owlrl detects are returned as messages, not hidden."""

from __future__ import annotations

from dataclasses import dataclass

import owlrl
from owlrl.Namespaces import ERRNS
from rdflib import Graph, Literal
from rdflib.namespace import OWL, RDF, RDFS, XSD

_W3C_VOCABULARIES = (str(RDF), str(RDFS), str(OWL), str(XSD))


@dataclass(frozen=True)
class Inference:
    """The inferred triples, and owlrl's inconsistency messages (empty when consistent)."""

    triples: Graph
    inconsistencies: list[str]


def infer(ontology: Graph, data: Graph) -> Inference:
    """Compute the OWL-RL closure of `ontology` + `data` and return what it adds."""
    closure = Graph()
    closure += ontology
    closure += data
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(closure)
    messages = sorted(str(m) for m in closure.objects(None, ERRNS.error))
    nothing = sorted(str(s) for s in closure.subjects(RDF.type, OWL.Nothing))
    messages += [f"{member} is a member of owl:Nothing" for member in nothing]
    inferred = Graph()
    for triple in closure:
        if triple in ontology or triple in data or not _worth_keeping(triple):
            continue
        inferred.add(triple)
    return Inference(inferred, messages)


def _worth_keeping(triple: tuple[object, object, object]) -> bool:
    subject, predicate, obj = triple
    if isinstance(subject, Literal):
        return False
    if predicate == OWL.sameAs and subject == obj:
        return False
    if predicate in (ERRNS.error,) or obj == ERRNS.ErrorMessage:
        return False
    return not str(subject).startswith(_W3C_VOCABULARIES)
