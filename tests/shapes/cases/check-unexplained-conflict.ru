# expect: unexplained-conflict-violation.rq check https://w3id.org/nekg/id/claim/projects-total
PREFIX nekg: <https://w3id.org/nekg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
DELETE WHERE { <https://w3id.org/nekg/id/discrepancy/projects> ?p ?o . }
