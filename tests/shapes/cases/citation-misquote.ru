# expect: ArchivedDocumentShape SPARQLConstraintComponent https://w3id.org/nekg/id/document/test
PREFIX nekg: <https://w3id.org/nekg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX id: <https://w3id.org/nekg/id/>
DELETE WHERE { ?quote oa:exact ?exact . } ;
INSERT { ?quote oa:exact "57 of the 156 key national industrial projects" } WHERE { ?quote a oa:TextQuoteSelector . }
